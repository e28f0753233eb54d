#include "vidrep/models/attention.h"

#include <torch/torch.h>

#include <cmath>

namespace vidrep::models {

AttentionImpl::AttentionImpl(int64_t dim, int64_t heads) : heads_(heads) {
  q_ = register_module("q", torch::nn::Linear(dim, dim));
  k_ = register_module("k", torch::nn::Linear(dim, dim));
  v_ = register_module("v", torch::nn::Linear(dim, dim));
  out_ = register_module("out", torch::nn::Linear(dim, dim));
}

at::Tensor AttentionImpl::forward(const at::Tensor& query, const at::Tensor& context) {
  const int64_t n = query.size(0), lq = query.size(1), lk = context.size(1), dim = query.size(2);
  const int64_t head_dim = dim / heads_;
  // [N,L,dim] -> [N,heads,L,head_dim]
  auto split = [&](const at::Tensor& x, int64_t len) { return x.view({n, len, heads_, head_dim}).transpose(1, 2); };
  at::Tensor q = split(q_->forward(query), lq) * (1.0 / std::sqrt(static_cast<double>(head_dim)));
  at::Tensor k = split(k_->forward(context), lk);
  at::Tensor v = split(v_->forward(context), lk);
  at::Tensor weights = at::softmax(at::matmul(q, k.transpose(-2, -1)), -1);
  at::Tensor mixed = at::matmul(weights, v).transpose(1, 2).reshape({n, lq, dim});
  return out_->forward(mixed);
}

}  // namespace vidrep::models
