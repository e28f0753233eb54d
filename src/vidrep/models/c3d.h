// c3d: a small 3D CNN with a multi-scale block. C = config.channels; every conv is followed by
// BatchNorm3d and ReLU; sizes for the default 16x32x32 clip in brackets.
//
//   stem      conv 3x3x3, stride (1,2,2), 3 -> C (8 -> C with config.frame_diff: the frames,
//             their differences and normal-flow products, encoder.h)                         [C,16,16,16]
//   down1     conv 3x3x3, stride 2, C -> 2C                            [2C,8,8,8]
//   multi     two parallel branches on down1, concatenated, plus down1 (residual):
//               3x3x3 2C -> C
//               1x1x1 2C -> C/2, then 5x5x5 C/2 -> C  (the 1x1x1 keeps the 5^3 kernel cheap)
//   down2     conv 3x3x3, stride 2, 2C -> 4C                           [4C,4,4,4]
//   down3     conv 3x3x3, stride 2, 4C -> 4C                           [4C,2,2,2]
//   proj      Linear 4C -> hidden on every cell: tokens [B,cells,hidden], vector = their mean
//             (= proj of the global average pool, since proj is affine).
#pragma once

#include "vidrep/models/config.h"
#include "vidrep/models/encoder.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

namespace vidrep::models {

class C3d : public VideoEncoder {
 public:
  explicit C3d(const ModelConfig& config);
  Encoded encode(const at::Tensor& video) override;

 private:
  torch::nn::Sequential stem_{nullptr}, down1_{nullptr};
  torch::nn::Sequential branch3_{nullptr}, branch5_{nullptr}, down2_{nullptr}, down3_{nullptr};
  torch::nn::Linear proj_{nullptr};
  bool frame_diff_;
};

}  // namespace vidrep::models
