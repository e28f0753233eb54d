// vit: a spacetime-patch transformer with divided space-time attention (TimeSformer-style).
//
//   patch_embed  Conv3d 3 -> hidden (8 -> hidden with config.frame_diff: the frames, their
//                differences and normal-flow products, encoder.h), kernel = stride = (patch_t,
//                patch_h, patch_w): the tubelet embedding. Without frame_diff it is exactly a Linear on the spacetime patches of
//                vidrep/tokens/patchify.h (tokens of clip [T,H,W,3], in (pt,ph,pw,c) order):
//                Linear weight = conv weight.permute({0,2,3,4,1}).flatten(1), same bias, and the
//                conv's output grid flattened t-major, then h, then w is patchify's token order.
//   positions    learned: pos_t [T',hidden] + pos_h [H',hidden] + pos_w [W',hidden] (broadcast);
//                sinusoidal: buffer pos [T',H',W',hidden], the hidden channels split in three
//                (t gets the remainder) with sin/cos of each grid index (sinusoid_table below).
//   blocks       `depth` x pre-LayerNorm DividedBlock on x [B,T',S,hidden] (S = H'*W'):
//                  x += temporal_attn(norm1(x))   each spatial cell attends over its T' tokens
//                  x += spatial_attn(norm2(x))    each time step attends over its S tokens
//                  x += mlp(norm3(x))             Linear(hidden, 4*hidden) - GELU - Linear
//   tokens       the residual stream [B,T'*S,hidden], with no final LayerNorm: normalising every
//                token before pooling drowns the few tokens a small moving object is in among the
//                background ones (training a one-pixel direction task stalled at chance for ~200
//                steps with it, converged in ~75 without)
//   pooling      mean: the mean token; stpp: adaptive average pooling of the token grid into
//                temporal levels {1,2} x spatial levels {1x1, 2x2} (15 cells, in that order, each
//                cell's hidden channels), concatenated, then stpp_proj Linear(15*hidden, hidden).
#pragma once

#include "vidrep/models/attention.h"
#include "vidrep/models/config.h"
#include "vidrep/models/encoder.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace vidrep::models {

class DividedBlockImpl : public torch::nn::Module {
 public:
  DividedBlockImpl(int64_t dim, int64_t heads);
  at::Tensor forward(const at::Tensor& x);  // [B,T,S,dim] -> same

 private:
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
  Attention temporal_{nullptr}, spatial_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
};
TORCH_MODULE(DividedBlock);

// float32 [positions, dims]: column 2i = sin(p * w_i), 2i+1 = cos(p * w_i), w_i = 10000^(-2i/dims)
// (an odd `dims` ends with a sine column).
at::Tensor sinusoid_table(int64_t positions, int64_t dims);

class Vit : public VideoEncoder {
 public:
  explicit Vit(const ModelConfig& config);
  Encoded encode(const at::Tensor& video) override;

 private:
  // [t,h,w,hidden]: the first t x h x w of the grid built for, so any smaller grid (clips of other
  // sizes, e.g. bucketed batches at native aspect ratios) takes the same position of each index.
  at::Tensor positions(int64_t t, int64_t h, int64_t w) const;

  int64_t grid_t_, grid_h_, grid_w_;
  bool stpp_, frame_diff_;
  torch::nn::Conv3d patch_embed_{nullptr};
  at::Tensor pos_t_, pos_h_, pos_w_, pos_;  // learned or sinusoidal (the other stays undefined)
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::Linear stpp_proj_{nullptr};
};

}  // namespace vidrep::models
