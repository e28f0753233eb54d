#include "vidrep/models/masked_video.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>

namespace vidrep::models {

namespace {

void require_multiple(int64_t size, int64_t step, const char* key, const std::string& why) {
  if (size % step != 0)
    throw ConfigError(fmt::format("pretrain: model {} {} is not a multiple of {} ({})", key, size, step, why));
}

}  // namespace

std::array<int64_t, 3> token_grid(const ModelConfig& c) {
  const std::string patch = fmt::format("the {}x{}x{} patch", c.patch_t, c.patch_h, c.patch_w);
  require_multiple(c.frames, c.patch_t, "frames", patch);
  require_multiple(c.height, c.patch_h, "height", patch);
  require_multiple(c.width, c.patch_w, "width", patch);
  if (c.arch == "vit") return {c.frames / c.patch_t, c.height / c.patch_h, c.width / c.patch_w};
  if (c.arch == "c3d") {
    // Strides (1,2,2), then 2, 2, 2: one cell per 8 frames and 16x16 pixels.
    require_multiple(c.frames, 8, "frames", "c3d's temporal stride");
    require_multiple(c.height, 16, "height", "c3d's spatial stride");
    require_multiple(c.width, 16, "width", "c3d's spatial stride");
    return {c.frames / 8, c.height / 16, c.width / 16};
  }
  throw ConfigError(fmt::format("pretrain: model {} has no spacetime token grid to reconstruct from; pretrain vit or c3d",
                                c.arch));
}

MaskedVideoImpl::MaskedVideoImpl(const ModelConfig& config, double ratio, const std::string& target)
    : config_(config), ratio_(ratio), motion_(target == "motion"), grid_(token_grid(config)) {
  if (!(ratio > 0 && ratio < 1)) throw ConfigError(fmt::format("pretrain: mask_ratio must be in (0,1), got {}", ratio));
  if (target != "pixels" && target != "motion")
    throw ConfigError(fmt::format("pretrain: target '{}' is not pixels or motion", target));
  const int64_t block = config.in_channels * (config.frames / grid_[0]) * (config.height / grid_[1]) *
                        (config.width / grid_[2]);
  video_ = register_module("video", make_video_encoder(config));
  decoder_ = register_module("decoder", torch::nn::Linear(config.hidden, block));
}

at::Tensor MaskedVideoImpl::random_mask(int64_t batch, at::Generator generator) const {
  const int64_t ch = config_.height / config_.patch_h, cw = config_.width / config_.patch_w, cells = ch * cw;
  const auto hidden = std::clamp<int64_t>(std::llround(ratio_ * static_cast<double>(cells)), 1, cells - 1);
  // A random permutation per clip: the first `hidden` cells of it are masked.
  const at::Tensor order = at::rand({batch, cells}, generator, at::kFloat).argsort(/*dim=*/int64_t{1});
  at::Tensor mask = at::zeros({batch, cells}, at::kFloat);
  mask.scatter_(1, order.slice(1, 0, hidden), 1.0);
  return mask.view({batch, 1, 1, ch, 1, cw, 1})
      .expand({batch, 1, 1, ch, config_.patch_h, cw, config_.patch_w})
      .reshape({batch, 1, 1, config_.height, config_.width});
}

at::Tensor MaskedVideoImpl::forward(const at::Tensor& video, const at::Tensor& mask) {
  const int64_t b = video.size(0), c = config_.in_channels, t = config_.frames, h = config_.height, w = config_.width;
  if (video.dim() != 5 || video.size(1) != c || video.size(2) != t || video.size(3) != h || video.size(4) != w)
    throw InvalidArgument(fmt::format("pretrain: expected video [B,{},{},{},{}], got {}", c, t, h, w, describe(video)));
  const at::Tensor tokens = video_->encode(video * (1 - mask)).tokens;  // [B, gt*gh*gw, hidden], t-major
  const auto [gt, gh, gw] = grid_;
  return decoder_->forward(tokens)
      .view({b, gt, gh, gw, c, t / gt, h / gh, w / gw})
      .permute({0, 4, 1, 5, 2, 6, 3, 7})
      .reshape({b, c, t, h, w});
}

at::Tensor MaskedVideoImpl::target(const at::Tensor& video) const {
  const int64_t b = video.size(0), c = video.size(1), t = video.size(2), h = video.size(3), w = video.size(4);
  if (motion_) {
    at::Tensor diff = at::zeros_like(video);
    diff.slice(2, 1, t).copy_(video.slice(2, 1, t) - video.slice(2, 0, t - 1));
    // The floor keeps a still clip's codec noise from being blown up to unit size.
    return diff / (diff.pow(2).mean({1, 2, 3, 4}, true) + 1e-2).sqrt();
  }
  const int64_t pt = config_.patch_t, ph = config_.patch_h, pw = config_.patch_w;
  const at::Tensor patches = video.reshape({b, c, t / pt, pt, h / ph, ph, w / pw, pw});
  const at::Tensor mean = patches.mean({1, 3, 5, 7}, true);
  const at::Tensor var = patches.var({1, 3, 5, 7}, false, true);
  return ((patches - mean) / (var + 1e-6).sqrt()).reshape({b, c, t, h, w});
}

at::Tensor MaskedVideoImpl::clip_errors(const at::Tensor& video, const at::Tensor& mask) {
  const at::Tensor squared = (forward(video, mask) - target(video).detach()).pow(2) * mask;
  const at::Tensor hidden = mask.sum({1, 2, 3, 4}) * static_cast<double>(video.size(1) * video.size(2));
  return squared.sum({1, 2, 3, 4}) / hidden;
}

at::Tensor snr(const at::Tensor& error) { return -10.0 * at::log10(error.clamp_min(1e-12)); }

}  // namespace vidrep::models
