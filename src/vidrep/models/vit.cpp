#include "vidrep/models/vit.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace vidrep::models {

namespace nn = torch::nn;

DividedBlockImpl::DividedBlockImpl(int64_t dim, int64_t heads) {
  norm1_ = register_module("norm1", nn::LayerNorm(nn::LayerNormOptions({dim})));
  temporal_ = register_module("temporal_attn", Attention(dim, heads));
  norm2_ = register_module("norm2", nn::LayerNorm(nn::LayerNormOptions({dim})));
  spatial_ = register_module("spatial_attn", Attention(dim, heads));
  norm3_ = register_module("norm3", nn::LayerNorm(nn::LayerNormOptions({dim})));
  mlp_ = register_module("mlp", nn::Sequential(nn::Linear(dim, 4 * dim), nn::GELU(), nn::Linear(4 * dim, dim)));
}

at::Tensor DividedBlockImpl::forward(const at::Tensor& input) {
  const int64_t b = input.size(0), t = input.size(1), s = input.size(2), d = input.size(3);
  // Temporal: one sequence of t tokens per (clip, spatial cell).
  at::Tensor h = norm1_->forward(input).transpose(1, 2).reshape({b * s, t, d});
  h = temporal_->forward(h, h).view({b, s, t, d}).transpose(1, 2);
  at::Tensor x = input + h;
  // Spatial: one sequence of s tokens per (clip, time step).
  h = norm2_->forward(x).reshape({b * t, s, d});
  h = spatial_->forward(h, h).view({b, t, s, d});
  x = x + h;
  return x + mlp_->forward(norm3_->forward(x));
}

at::Tensor sinusoid_table(int64_t positions, int64_t dims) {
  at::Tensor p = at::arange(positions, at::kDouble).unsqueeze(1);           // [P,1]
  at::Tensor i = at::arange(0, dims, 2, at::kDouble);                       // 0,2,4,...
  at::Tensor angle = p * at::exp(i * (-std::log(10000.0) / static_cast<double>(dims)));  // [P,ceil(dims/2)]
  at::Tensor table = at::zeros({positions, dims}, at::kDouble);
  table.slice(1, 0, dims, 2).copy_(at::sin(angle));
  table.slice(1, 1, dims, 2).copy_(at::cos(angle).slice(1, 0, dims / 2));
  return table.to(at::kFloat);
}

Vit::Vit(const ModelConfig& c)
    : grid_t_(c.frames / c.patch_t), grid_h_(c.height / c.patch_h), grid_w_(c.width / c.patch_w),
      stpp_(c.pooling == "stpp"), frame_diff_(c.frame_diff) {
  const int64_t d = c.hidden, in = frame_diff_ ? 2 * c.in_channels + 2 : c.in_channels;
  patch_embed_ = register_module(
      "patch_embed", nn::Conv3d(nn::Conv3dOptions(in, d, {c.patch_t, c.patch_h, c.patch_w})
                                    .stride({c.patch_t, c.patch_h, c.patch_w})));
  if (c.positions == "learned") {
    pos_t_ = register_parameter("pos_t", at::randn({grid_t_, d}) * 0.02);
    pos_h_ = register_parameter("pos_h", at::randn({grid_h_, d}) * 0.02);
    pos_w_ = register_parameter("pos_w", at::randn({grid_w_, d}) * 0.02);
  } else {
    const int64_t dh = d / 3, dw = d / 3, dt = d - dh - dw;
    auto axis = [&](int64_t n, int64_t dims, std::vector<int64_t> shape) {
      return sinusoid_table(n, dims).view(shape).expand({grid_t_, grid_h_, grid_w_, dims});
    };
    at::Tensor pos = at::cat({axis(grid_t_, dt, {grid_t_, 1, 1, dt}), axis(grid_h_, dh, {1, grid_h_, 1, dh}),
                              axis(grid_w_, dw, {1, 1, grid_w_, dw})},
                             3);
    pos_ = register_buffer("pos", pos.contiguous());
  }
  blocks_ = register_module("blocks", nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i) blocks_->push_back(DividedBlock(d, c.heads));
  if (stpp_) stpp_proj_ = register_module("stpp_proj", nn::Linear(15 * d, d));
}

at::Tensor Vit::positions(int64_t t, int64_t h, int64_t w) const {
  if (t > grid_t_ || h > grid_h_ || w > grid_w_) {
    throw InvalidArgument(fmt::format("vit: a token grid of {}x{}x{} is larger than the {}x{}x{} it was built for "
                                      "(model frames, height and width over the patch size)",
                                      t, h, w, grid_t_, grid_h_, grid_w_));
  }
  if (pos_.defined()) return pos_.slice(0, 0, t).slice(1, 0, h).slice(2, 0, w);
  return pos_t_.slice(0, 0, t).view({t, 1, 1, -1}) + pos_h_.slice(0, 0, h).view({1, h, 1, -1}) +
         pos_w_.slice(0, 0, w).view({1, 1, w, -1});
}

Encoded Vit::encode(const at::Tensor& video) {
  const int64_t b = video.size(0);
  at::Tensor x = patch_embed_->forward(frame_diff_ ? with_frame_diff(video) : video).permute({0, 2, 3, 4, 1});
  const int64_t gt = x.size(1), gh = x.size(2), gw = x.size(3), d = x.size(4);
  x = (x + positions(gt, gh, gw)).reshape({b, gt, gh * gw, d});
  for (const auto& block : *blocks_) x = block->as<DividedBlock>()->forward(x);
  at::Tensor tokens = x.view({b, -1, d});
  if (!stpp_) return {tokens.mean(1), tokens};
  at::Tensor grid = tokens.view({b, gt, gh, gw, d}).permute({0, 4, 1, 2, 3});
  std::vector<at::Tensor> cells;
  for (int64_t levels_t : {1, 2})
    for (int64_t levels_s : {1, 2})
      cells.push_back(at::adaptive_avg_pool3d(grid, {levels_t, levels_s, levels_s}).flatten(1));
  return {stpp_proj_->forward(at::cat(cells, 1)), tokens};
}

}  // namespace vidrep::models
