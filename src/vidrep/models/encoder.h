// What every encoder (video or audio) gives the fusion and the head: one vector per clip and the
// token sequence it was pooled from (cross-attention fusion attends over the tokens).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

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

}  // namespace vidrep::models
