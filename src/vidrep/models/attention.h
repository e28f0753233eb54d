// Multi-head attention written out with explicit Linear layers q, k, v and out (rather than
// torch::nn::MultiheadAttention's packed in_proj), so python/vidrep/models.py can mirror it
// parameter for parameter. Used by the vit blocks and by the cross-attention fusion.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace vidrep::models {

class AttentionImpl : public torch::nn::Module {
 public:
  // dim must be a multiple of heads (validate() checks it).
  AttentionImpl(int64_t dim, int64_t heads);

  // query [N,Lq,dim] attends to context [N,Lk,dim] -> [N,Lq,dim];
  // softmax(q k^T / sqrt(dim/heads)) v per head, heads concatenated, then `out`.
  at::Tensor forward(const at::Tensor& query, const at::Tensor& context);

 private:
  int64_t heads_;
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, out_{nullptr};
};
TORCH_MODULE(Attention);

}  // namespace vidrep::models
