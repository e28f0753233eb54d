#include "vidrep/models/autoencoder.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

namespace vidrep {
namespace models {
namespace {

namespace nn = torch::nn;

struct Factors {
  int64_t t = 1, h = 1, w = 1;
  int64_t volume() const { return t * h * w; }
};

// [B,C,T,H,W] -> [B,C*ft*fh*fw,T/ft,H/fh,W/fw]: each ft x fh x fw block into channels (c, dt, dy, dx).
at::Tensor fold(const at::Tensor& x, Factors f) {
  const int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
  return x.reshape({B, C, T / f.t, f.t, H / f.h, f.h, W / f.w, f.w})
      .permute({0, 1, 3, 5, 7, 2, 4, 6})
      .reshape({B, C * f.volume(), T / f.t, H / f.h, W / f.w});
}

// The inverse of fold.
at::Tensor unfold(const at::Tensor& x, Factors f) {
  const int64_t B = x.size(0), C = x.size(1) / f.volume(), T = x.size(2), H = x.size(3), W = x.size(4);
  return x.reshape({B, C, f.t, f.h, f.w, T, H, W})
      .permute({0, 1, 5, 2, 6, 3, 7, 4})
      .reshape({B, C, T * f.t, H * f.h, W * f.w});
}

// Frames 1+2k -> 1+k pairs (0,0), (1,2), (3,4), ...: frame 0 repeated in front keeps it alone.
at::Tensor pad_first_frame(const at::Tensor& x, int64_t frames) {
  if (frames == 0) return x;
  return at::cat({x.narrow(2, 0, 1).expand({-1, -1, frames, -1, -1}), x}, 2);
}

// [B,C,...] -> [B,out,...] without parameters: out >= C duplicates channels (channel j of the
// result is channel j*C/out), out < C averages consecutive groups (channel c of the result is the
// mean of the channels j with j*out/C == c). The two are each other's inverse on duplicated
// channels, so a fold + merge in the encoder and a spread + unfold in the decoder make average
// pooling and nearest-neighbour upsampling.
at::Tensor resize_channels(const at::Tensor& x, int64_t out) {
  const int64_t in = x.size(1);
  if (out == in) return x;
  if (out > in) return x.index_select(1, at::arange(out, at::kLong).mul_(in).div_(out, "floor"));
  auto sizes = x.sizes().vec();
  if (in % out == 0) {
    sizes[1] = in / out;
    sizes.insert(sizes.begin() + 1, out);
    return x.reshape(sizes).mean(2);
  }
  const at::Tensor group = at::arange(in, at::kLong).mul_(out).div_(in, "floor");
  at::Tensor m = at::zeros({out, in}, x.options());
  m.index_put_({group, at::arange(in, at::kLong)}, at::ones({in}, x.options()));
  m.div_(m.sum(1, true));
  sizes[1] = out;
  return at::matmul(m, x.flatten(2)).reshape(sizes);
}

// Starts a convolution at zero, so that its block begins as its shortcut alone.
void zero_init(nn::Conv3d& conv) {
  torch::NoGradGuard no_grad;
  conv->weight.zero_();
  conv->bias.zero_();
}


}  // namespace

// A 3D convolution that pads only the past in time (with copies of the first frame); "same"
// zero padding in space.
class CausalConv3dImpl : public nn::Module {
 public:
  CausalConv3dImpl(int64_t in, int64_t out, int64_t kernel, Factors stride = {}) : past_(kernel - 1) {
    conv_ = register_module("conv", nn::Conv3d(nn::Conv3dOptions(in, out, kernel)
                                                   .stride({stride.t, stride.h, stride.w})
                                                   .padding({0, kernel / 2, kernel / 2})));
  }
  at::Tensor forward(const at::Tensor& x) { return conv_->forward(pad_first_frame(x, past_)); }
  void zero() { zero_init(conv_); }

 private:
  int64_t past_;
  nn::Conv3d conv_{nullptr};
};
TORCH_MODULE(CausalConv3d);

// LayerNorm over the channels of each position (each pixel of each frame on its own): causal, and
// the same at any frame size, unlike GroupNorm over a frame, whose statistics change with the
// frame size and which amplifies the few border pixels that differ in a flat frame.
class FrameNormImpl : public nn::Module {
 public:
  explicit FrameNormImpl(int64_t channels) {
    norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({channels})));
  }
  at::Tensor forward(const at::Tensor& x) {
    return norm_->forward(x.permute({0, 2, 3, 4, 1})).permute({0, 4, 1, 2, 3});
  }

 private:
  nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(FrameNorm);

class ResBlockImpl : public nn::Module {
 public:
  explicit ResBlockImpl(int64_t channels) {
    norm1_ = register_module("norm1", FrameNorm(channels));
    conv1_ = register_module("conv1", CausalConv3d(channels, channels, 3));
    norm2_ = register_module("norm2", FrameNorm(channels));
    conv2_ = register_module("conv2", CausalConv3d(channels, channels, 3));
    conv2_->zero();
  }
  at::Tensor forward(const at::Tensor& x) {
    namespace F = torch::nn::functional;
    const at::Tensor h = conv1_->forward(F::silu(norm1_->forward(x)));
    return x + conv2_->forward(F::silu(norm2_->forward(h)));
  }

 private:
  FrameNorm norm1_{nullptr}, norm2_{nullptr};
  CausalConv3d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(ResBlock);

// Strided causal conv + the folding shortcut.
class DownBlockImpl : public nn::Module {
 public:
  DownBlockImpl(int64_t in, int64_t out, Factors f) : f_(f), out_(out) {
    conv_ = register_module("conv", CausalConv3d(in, out, 3, f));
    conv_->zero();
  }
  at::Tensor forward(const at::Tensor& x) {
    return conv_->forward(x) + resize_channels(fold(pad_first_frame(x, f_.t - 1), f_), out_);
  }

 private:
  Factors f_;
  int64_t out_;
  CausalConv3d conv_{nullptr};
};
TORCH_MODULE(DownBlock);

// Nearest-neighbour upsampling (in time: frame 0 -> 1 frame, every later one -> 2) + causal conv,
// + the duplicating shortcut.
class UpBlockImpl : public nn::Module {
 public:
  UpBlockImpl(int64_t in, int64_t out, Factors f) : f_(f), out_(out) {
    conv_ = register_module("conv", CausalConv3d(in, out, 3));
    conv_->zero();
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor up = x;
    if (f_.t > 1) up = up.repeat_interleave(f_.t, 2);
    if (f_.h > 1) up = up.repeat_interleave(f_.h, 3);
    if (f_.w > 1) up = up.repeat_interleave(f_.w, 4);
    const auto drop_first = [&](const at::Tensor& t) { return f_.t > 1 ? t.narrow(2, f_.t - 1, t.size(2) - f_.t + 1) : t; };
    return conv_->forward(drop_first(up)) + drop_first(unfold(resize_channels(x, out_ * f_.volume()), f_));
  }

 private:
  Factors f_;
  int64_t out_;
  CausalConv3d conv_{nullptr};
};
TORCH_MODULE(UpBlock);

namespace {

struct StagePlan {
  std::vector<int64_t> widths;   // stage i's width; widths.back() is the bottleneck's
  std::vector<Factors> factors;  // stage i's resampling factors (1 or 2 per axis)
};

// Each axis is halved in the last log2(its compression) stages.
StagePlan plan_stages(const AutoencoderConfig& c) {
  StagePlan p;
  const int64_t n = c.stages();
  const auto [downs_t, downs_h, downs_w] = c.halvings();
  for (int64_t i = 0; i <= n; ++i)
    p.widths.push_back(std::min(c.channels << std::min<int64_t>(i, 20), std::max(c.channels, c.max_channels)));
  for (int64_t i = 0; i < n; ++i)
    p.factors.push_back({i >= n - downs_t ? 2 : 1, i >= n - downs_h ? 2 : 1, i >= n - downs_w ? 2 : 1});
  return p;
}

}  // namespace

class CausalEncoderImpl : public nn::Module {
 public:
  explicit CausalEncoderImpl(const AutoencoderConfig& c) : patch_(c.patch), latent_(c.latent_channels) {
    const StagePlan p = plan_stages(c);
    conv_in_ = register_module("conv_in", CausalConv3d(3 * c.patch * c.patch, p.widths[0], 3));
    body_ = register_module("body", nn::Sequential());
    for (size_t i = 0; i < p.factors.size(); ++i) {
      for (int64_t r = 0; r < c.res_blocks; ++r) body_->push_back(ResBlock(p.widths[i]));
      body_->push_back(DownBlock(p.widths[i], p.widths[i + 1], p.factors[i]));
    }
    const int64_t last = p.widths.back();
    body_->push_back(ResBlock(last));
    norm_out_ = register_module("norm_out", FrameNorm(last));
    conv_out_ = register_module("conv_out", CausalConv3d(last, c.kl_weight > 0 ? 2 * latent_ : latent_, 3));
    conv_in_->zero();
    conv_out_->zero();
  }

  // -> [B,C,t,h,w] or, for a VAE, [B,2C,t,h,w] (mean, log-variance).
  at::Tensor forward(const at::Tensor& video) {
    const at::Tensor x = fold(video * 2 - 1, {1, patch_, patch_});
    at::Tensor h = conv_in_->forward(x);
    h = body_->forward(h + resize_channels(x, h.size(1)));
    const at::Tensor out = conv_out_->forward(torch::nn::functional::silu(norm_out_->forward(h)));
    const at::Tensor mean = out.narrow(1, 0, latent_) + resize_channels(h, latent_);
    return out.size(1) == latent_ ? mean : at::cat({mean, out.narrow(1, latent_, latent_)}, 1);
  }

 private:
  int64_t patch_, latent_;
  CausalConv3d conv_in_{nullptr}, conv_out_{nullptr};
  nn::Sequential body_{nullptr};
  FrameNorm norm_out_{nullptr};
};

class CausalDecoderImpl : public nn::Module {
 public:
  explicit CausalDecoderImpl(const AutoencoderConfig& c) : patch_(c.patch) {
    const StagePlan p = plan_stages(c);
    const int64_t last = p.widths.back();
    conv_in_ = register_module("conv_in", CausalConv3d(c.latent_channels, last, 3));
    body_ = register_module("body", nn::Sequential());
    body_->push_back(ResBlock(last));
    for (size_t i = p.factors.size(); i-- > 0;) {
      body_->push_back(UpBlock(p.widths[i + 1], p.widths[i], p.factors[i]));
      for (int64_t r = 0; r < c.res_blocks; ++r) body_->push_back(ResBlock(p.widths[i]));
    }
    norm_out_ = register_module("norm_out", FrameNorm(p.widths[0]));
    conv_out_ = register_module("conv_out", CausalConv3d(p.widths[0], 3 * c.patch * c.patch, 3));
    conv_in_->zero();
    conv_out_->zero();
  }

  at::Tensor forward(const at::Tensor& latent) {
    at::Tensor h = conv_in_->forward(latent);
    h = body_->forward(h + resize_channels(latent, h.size(1)));
    at::Tensor out = conv_out_->forward(torch::nn::functional::silu(norm_out_->forward(h)));
    out = out + resize_channels(h, out.size(1));
    return (unfold(out, {1, patch_, patch_}) + 1) / 2;
  }

 private:
  int64_t patch_;
  CausalConv3d conv_in_{nullptr}, conv_out_{nullptr};
  nn::Sequential body_{nullptr};
  FrameNorm norm_out_{nullptr};
};

}  // namespace models

AutoencoderImpl::AutoencoderImpl(const AutoencoderConfig& config) : config_(config) {
  encoder_ = register_module("encoder", std::make_shared<models::CausalEncoderImpl>(config));
  decoder_ = register_module("decoder", std::make_shared<models::CausalDecoderImpl>(config));
}

at::Tensor AutoencoderImpl::encode(const at::Tensor& video) {
  if (!video.defined() || video.dim() != 5 || video.size(1) != 3 || video.scalar_type() != at::kFloat)
    throw InvalidArgument(fmt::format("video: expected [B,3,T,H,W] float32, got {}", describe(video)));
  config_.latent_shape({video.size(2), video.size(3), video.size(4)});
  const at::Tensor out = encoder_->forward(video);
  return config_.kl_weight > 0 ? out.narrow(1, 0, config_.latent_channels) : out;
}

at::Tensor AutoencoderImpl::decode(const at::Tensor& latent) {
  if (!latent.defined() || latent.dim() != 5 || latent.size(1) != config_.latent_channels ||
      latent.scalar_type() != at::kFloat || latent.numel() == 0)
    throw InvalidArgument(fmt::format("latent: expected [B,{},t,h,w] float32, got {}", config_.latent_channels,
                                      describe(latent)));
  return decoder_->forward(latent);
}

AutoencoderOutput AutoencoderImpl::forward(const at::Tensor& video) {
  AutoencoderOutput out;
  if (config_.kl_weight > 0) {
    config_.latent_shape({video.size(2), video.size(3), video.size(4)});
    const at::Tensor both = encoder_->forward(video);
    out.mean = both.narrow(1, 0, config_.latent_channels);
    out.logvar = both.narrow(1, config_.latent_channels, config_.latent_channels).clamp(-30, 20);
    const at::Tensor z = is_training() ? out.mean + (0.5 * out.logvar).exp() * torch::randn_like(out.mean) : out.mean;
    out.reconstruction = decoder_->forward(z);
  } else {
    out.mean = encode(video);
    out.reconstruction = decoder_->forward(out.mean);
  }
  return out;
}

Autoencoder make_autoencoder(const AutoencoderConfig& config) {
  validate(config);
  return Autoencoder(config);
}

AutoencoderLoss autoencoder_loss(const AutoencoderConfig& config, const AutoencoderOutput& out, const at::Tensor& video) {
  AutoencoderLoss loss;
  const at::Tensor error = out.reconstruction - video;
  if (config.loss == "l1")
    loss.reconstruction = error.abs().mean();
  else if (config.loss == "psnr")
    loss.reconstruction = error.pow(2).flatten(1).mean(1).add(1e-5).log10().mean();
  else
    loss.reconstruction = error.pow(2).mean();
  if (config.kl_weight > 0 && out.logvar.defined()) {
    const at::Tensor kl = 0.5 * (out.mean.pow(2) + out.logvar.exp() - 1 - out.logvar);
    loss.kl = kl.sum() / static_cast<double>(video.size(0));
    loss.total = loss.reconstruction + config.kl_weight * loss.kl;
  } else {
    loss.kl = torch::zeros({});
    loss.total = loss.reconstruction;
  }
  return loss;
}

}  // namespace vidrep
