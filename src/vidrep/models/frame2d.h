// Per-frame 2D networks: FrameCnn (shared with cnn_lstm) and the frame2d encoder, the order-blind
// baseline that averages frame vectors over time.
//
//   FrameCnn    [N,C,H,W] -> [N,hidden]: three conv3x3(stride 2)-BN-ReLU stages of channels,
//               2*channels, 4*channels; average pool to frame_pool x frame_pool cells; Linear-ReLU.
//   Frame2d     [B,3,T,H,W] -> frames folded into the batch -> FrameCnn -> tokens [B,T,hidden],
//               vector = mean over T, so reversing time changes nothing but float rounding.
#pragma once

#include "vidrep/models/config.h"
#include "vidrep/models/encoder.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace vidrep::models {

class FrameCnnImpl : public torch::nn::Module {
 public:
  FrameCnnImpl(const ModelConfig& config, int64_t in_channels);
  at::Tensor forward(const at::Tensor& images);  // float [N,in_channels,H,W] -> [N,hidden]

 private:
  int64_t pool_;
  torch::nn::Sequential stages_{nullptr};
  torch::nn::Linear proj_{nullptr};
};
TORCH_MODULE(FrameCnn);

// [B,C,T,H,W] -> [B,T,hidden]: every frame through `cnn`.
at::Tensor per_frame(FrameCnn& cnn, const at::Tensor& video);

class Frame2d : public VideoEncoder {
 public:
  explicit Frame2d(const ModelConfig& config);
  Encoded encode(const at::Tensor& video) override;

 private:
  FrameCnn cnn_{nullptr};
};

}  // namespace vidrep::models
