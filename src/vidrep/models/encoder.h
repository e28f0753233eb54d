// What every encoder (video or audio) gives the fusion and the head: one vector per clip and the
// token sequence it was pooled from (cross-attention fusion attends over the tokens).
#pragma once

#include "vidrep/models/config.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <memory>

namespace vidrep::models {

struct Encoded {
  at::Tensor vector;  // [B,hidden]
  at::Tensor tokens;  // [B,N,hidden]
};

// Base of the video encoders, so the network holds whichever config.arch names. Inputs are
// already shape-checked by VideoNet. Not thread-safe (torch modules).
class VideoEncoder : public torch::nn::Module {
 public:
  // float32 [B,3,T,H,W] -> Encoded
  virtual Encoded encode(const at::Tensor& video) = 0;
};

// The encoder config.arch names (network.cpp), built under the current torch seed.
std::shared_ptr<VideoEncoder> make_video_encoder(const ModelConfig& config);

// [B,C,T,H,W] -> [B,2C+2,T,H,W]: each frame, its difference It from the previous one (frame 0's is
// zero; TSN's "RGB difference") and the normal-flow products -It * dI/dx and -It * dI/dy (central
// differences, summed over channels). The difference is zero wherever nothing moves, so a network
// sees motion apart from the appearance of a static background; the products' signs say which way
// an edge moved whatever its contrast (a bright square moving right and a dark one both give
// positive x), which a small network does not learn from a few dozen clips by itself.
// config.frame_diff turns it on for cnn_lstm, c3d and vit (frame2d must stay blind to frame order).
at::Tensor with_frame_diff(const at::Tensor& video);

}  // namespace vidrep::models
