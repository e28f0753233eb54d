#include "vidrep/transform/color.h"

#include "vidrep/error.h"
#include "vidrep/transform/check.h"
#include "vidrep/random.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

namespace vidrep::transform {

using detail::Channels;
using detail::check_clip;

namespace {

// A float 0..1 copy of the clip that the caller may modify in place.
at::Tensor unit_float(const at::Tensor& clip) {
  if (clip.scalar_type() == at::kByte) return clip.to(at::kFloat).div_(255.0);
  return clip.clone(at::MemoryFormat::Contiguous);
}

// Back to the clip's dtype: uint8 is rounded to nearest once, here.
at::Tensor restore(at::Tensor unit, at::ScalarType dtype) {
  if (dtype == at::kByte) return unit.mul_(255.0).round_().clamp_(0.0, 255.0).to(at::kByte);
  return unit;
}

// torchvision's rgb_to_grayscale weights: [T,H,W,3] -> [T,H,W,1].
at::Tensor grey(const at::Tensor& unit) {
  const at::Tensor w = at::tensor({0.2989f, 0.587f, 0.114f}, unit.options()).view({3, 1});
  return at::matmul(unit, w);
}

void brightness_inplace(at::Tensor& x, double factor) { x.mul_(factor).clamp_(0.0, 1.0); }

void blend_inplace(at::Tensor& x, const at::Tensor& other, double factor) {
  x.mul_(factor).add_(other, 1.0 - factor).clamp_(0.0, 1.0);
}

void contrast_inplace(at::Tensor& x, double factor) {
  blend_inplace(x, grey(x).mean({1, 2, 3}, /*keepdim=*/true), factor);
}

void saturation_inplace(at::Tensor& x, double factor) { blend_inplace(x, grey(x), factor); }

// HSV round trip per pixel as torchvision's _rgb2hsv / _hsv2rgb. LibTorch has no colour-space op,
// and the ~30 whole-tensor ops torchvision composes cost far more than this one tight pass.
void hue_inplace(at::Tensor& x, double shift) {
  float* data = x.data_ptr<float>();
  const auto s = static_cast<float>(shift);
  at::parallel_for(0, x.numel() / 3, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* p = data + i * 3;
      const float r = p[0], g = p[1], b = p[2];
      const float maxc = std::max({r, g, b}), minc = std::min({r, g, b});
      const float cr = maxc - minc;
      if (cr == 0.0f) continue;  // grey: hue is undefined and the pixel unchanged
      const float sat = cr / maxc;
      const float rc = (maxc - r) / cr, gc = (maxc - g) / cr, bc = (maxc - b) / cr;
      float h = maxc == r ? bc - gc : maxc == g ? 2.0f + rc - bc : 4.0f + gc - rc;
      h = std::fmod(h / 6.0f + 1.0f, 1.0f) + s;
      h -= std::floor(h);
      const float h6 = h * 6.0f, sector = std::floor(h6), f = h6 - sector;
      const float v = maxc;
      const float pp = std::clamp(v * (1.0f - sat), 0.0f, 1.0f);
      const float q = std::clamp(v * (1.0f - sat * f), 0.0f, 1.0f);
      const float t = std::clamp(v * (1.0f - sat * (1.0f - f)), 0.0f, 1.0f);
      switch (static_cast<int>(sector) % 6) {
        case 0: p[0] = v, p[1] = t, p[2] = pp; break;
        case 1: p[0] = q, p[1] = v, p[2] = pp; break;
        case 2: p[0] = pp, p[1] = v, p[2] = t; break;
        case 3: p[0] = pp, p[1] = q, p[2] = v; break;
        case 4: p[0] = t, p[1] = pp, p[2] = v; break;
        default: p[0] = v, p[1] = pp, p[2] = q; break;
      }
    }
  });
}

void check_factor(const char* op, double factor) {
  if (!(factor >= 0.0) || !std::isfinite(factor)) {
    throw InvalidArgument(fmt::format("{}: expected a factor >= 0, got {}", op, factor));
  }
}

void check_hue(const char* op, double shift) {
  if (!(shift >= -0.5 && shift <= 0.5)) {
    throw InvalidArgument(fmt::format("{}: expected a hue shift in [-0.5,0.5], got {}", op, shift));
  }
}

}  // namespace

at::Tensor adjust_brightness(const at::Tensor& clip, double factor) {
  check_clip(clip, "adjust_brightness", Channels::Rgb);
  check_factor("adjust_brightness", factor);
  at::Tensor x = unit_float(clip);
  brightness_inplace(x, factor);
  return restore(x, clip.scalar_type());
}

at::Tensor adjust_contrast(const at::Tensor& clip, double factor) {
  check_clip(clip, "adjust_contrast", Channels::Rgb);
  check_factor("adjust_contrast", factor);
  at::Tensor x = unit_float(clip);
  contrast_inplace(x, factor);
  return restore(x, clip.scalar_type());
}

at::Tensor adjust_saturation(const at::Tensor& clip, double factor) {
  check_clip(clip, "adjust_saturation", Channels::Rgb);
  check_factor("adjust_saturation", factor);
  at::Tensor x = unit_float(clip);
  saturation_inplace(x, factor);
  return restore(x, clip.scalar_type());
}

at::Tensor adjust_hue(const at::Tensor& clip, double shift) {
  check_clip(clip, "adjust_hue", Channels::Rgb);
  check_hue("adjust_hue", shift);
  at::Tensor x = unit_float(clip);
  hue_inplace(x, shift);
  return restore(x, clip.scalar_type());
}

at::Tensor color_jitter(const at::Tensor& clip, const ColorJitterOptions& o, uint64_t seed) {
  check_clip(clip, "color_jitter", Channels::Rgb);
  for (double v : {o.brightness, o.contrast, o.saturation}) {
    if (!(v >= 0.0) || !std::isfinite(v)) {
      throw InvalidArgument(fmt::format("color_jitter: expected strengths >= 0, got {}", v));
    }
  }
  if (!(o.hue >= 0.0 && o.hue <= 0.5)) {
    throw InvalidArgument(fmt::format("color_jitter: expected a hue strength in [0,0.5], got {}", o.hue));
  }
  Rng rng(seed);
  std::array<int, 4> order = {0, 1, 2, 3};
  for (int i = 3; i > 0; --i) std::swap(order[i], order[rng.integer(0, i)]);
  auto factor = [&](double strength) { return rng.uniform(std::max(0.0, 1.0 - strength), 1.0 + strength); };
  const double b = o.brightness > 0 ? factor(o.brightness) : 1.0;
  const double c = o.contrast > 0 ? factor(o.contrast) : 1.0;
  const double s = o.saturation > 0 ? factor(o.saturation) : 1.0;
  const double h = o.hue > 0 ? rng.uniform(-o.hue, o.hue) : 0.0;

  at::Tensor x = unit_float(clip);
  for (int op : order) {
    if (op == 0 && o.brightness > 0) brightness_inplace(x, b);
    if (op == 1 && o.contrast > 0) contrast_inplace(x, c);
    if (op == 2 && o.saturation > 0) saturation_inplace(x, s);
    if (op == 3 && o.hue > 0) hue_inplace(x, h);
  }
  return restore(x, clip.scalar_type());
}

namespace {

void check_probability(double p, const char* op) {
  if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument(fmt::format("{}: expected a probability in [0,1], got {}", op, p));
}

}  // namespace

at::Tensor random_channel_shuffle(const at::Tensor& clip, double p, uint64_t seed) {
  check_clip(clip, "random_channel_shuffle", Channels::Rgb);
  check_probability(p, "random_channel_shuffle");
  static constexpr std::array<std::array<int64_t, 3>, 6> kOrders{
      {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}};
  Rng rng(seed);
  if (!(rng.uniform() < p)) return clip.clone(at::MemoryFormat::Contiguous);
  const auto& order = kOrders[std::min<size_t>(5, static_cast<size_t>(rng.uniform() * 6))];
  return clip.index_select(3, at::tensor(std::vector<int64_t>(order.begin(), order.end()), at::kLong));
}

at::Tensor random_invert(const at::Tensor& clip, double p, uint64_t seed) {
  check_clip(clip, "random_invert");
  check_probability(p, "random_invert");
  Rng rng(seed);
  if (!(rng.uniform() < p)) return clip.clone(at::MemoryFormat::Contiguous);
  return at::full_like(clip, clip.scalar_type() == at::kByte ? 255 : 1).sub_(clip);
}

at::Tensor equalize_luma(const at::Tensor& clip) {
  check_clip(clip, "equalize_luma", Channels::Rgb);
  const int64_t T = clip.size(0), n = clip.size(1) * clip.size(2);
  const bool bytes = clip.scalar_type() == at::kByte;
  // Work in 0..255 levels whatever the dtype.
  const at::Tensor levels = bytes ? clip.to(at::kFloat) : clip.mul(255.0);
  const at::Tensor luma_w = at::tensor({0.299f, 0.587f, 0.114f}, levels.options()).view({3, 1});
  const at::Tensor y = at::matmul(levels, luma_w).view({T, n});
  const at::Tensor yq = y.round().clamp_(0, 255).to(at::kLong);
  // One bincount for all frames: frame t's levels are offset by 256 t.
  const at::Tensor offsets = at::arange(T, yq.options()).mul_(256).view({T, 1});
  const at::Tensor hist = at::bincount(yq.add(offsets).view(-1), {}, 256 * T).view({T, 256});
  const at::Tensor cdf = hist.cumsum(1);
  const at::Tensor cdf_min = cdf.masked_fill(hist == 0, n).amin(1, /*keepdim=*/true);
  const at::Tensor span = (n - cdf_min).to(at::kFloat);
  at::Tensor lut = (cdf - cdf_min).to(at::kFloat).mul_(255.0).div_(span.clamp_min(1.0)).round_();
  // A frame of one grey level has nothing to spread: OpenCV keeps it as it is.
  const at::Tensor flat = (span == 0).expand({T, 256});
  lut = at::where(flat, at::arange(256, lut.options()).expand({T, 256}), lut);
  const at::Tensor delta = lut.gather(1, yq).sub_(y).view({T, clip.size(1), clip.size(2), 1});
  const at::Tensor out = levels.add(delta);
  if (bytes) return out.round_().clamp_(0.0, 255.0).to(at::kByte);
  return out.div_(255.0).clamp_(0.0, 1.0);
}

at::Tensor gaussian_noise(const at::Tensor& clip, double std, uint64_t seed) {
  check_clip(clip, "gaussian_noise");
  if (!(std >= 0.0) || !std::isfinite(std)) {
    throw InvalidArgument(fmt::format("gaussian_noise: expected a standard deviation >= 0, got {}", std));
  }
  const at::Tensor x = clip.contiguous();
  at::Tensor out = at::empty_like(x, at::MemoryFormat::Contiguous);
  const int64_t n = x.numel();
  const uint64_t base = mix64(seed);
  const auto sd = static_cast<float>(std);
  const bool bytes = x.scalar_type() == at::kByte;
  const uint8_t* in8 = bytes ? x.data_ptr<uint8_t>() : nullptr;
  uint8_t* out8 = bytes ? out.data_ptr<uint8_t>() : nullptr;
  const float* in32 = bytes ? nullptr : x.data_ptr<float>();
  float* out32 = bytes ? nullptr : out.data_ptr<float>();
  // Box-Muller on one 64-bit hash per pair of elements: counter-based, so the result does not
  // depend on how the range is split between threads.
  at::parallel_for(0, (n + 1) / 2, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      const uint64_t u = mix64(base + static_cast<uint64_t>(j) * 0x9E3779B97F4A7C15ull);
      const float u1 = static_cast<float>((u >> 32) + 1) * 0x1.0p-32f;  // (0, 1]
      const float u2 = static_cast<float>(u & 0xFFFFFFFFull) * 0x1.0p-32f;
      const float r = sd * std::sqrt(-2.0f * std::log(u1));
      const float angle = 2.0f * std::numbers::pi_v<float> * u2;
      const float noise[2] = {r * std::cos(angle), r * std::sin(angle)};
      for (int64_t e = 2 * j, k = 0; k < 2 && e < n; ++e, ++k) {
        if (bytes) {
          const float v = static_cast<float>(in8[e]) + noise[k];
          out8[e] = static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0f, 255.0f));
        } else {
          out32[e] = in32[e] + noise[k];
        }
      }
    }
  });
  return out;
}

at::Tensor gaussian_blur(const at::Tensor& clip, double sigma) {
  check_clip(clip, "gaussian_blur");
  if (!(sigma >= 0.0) || !std::isfinite(sigma)) {
    throw InvalidArgument(fmt::format("gaussian_blur: expected sigma >= 0, got {}", sigma));
  }
  const int64_t T = clip.size(0), H = clip.size(1), W = clip.size(2), C = clip.size(3);
  // Reflection needs a pad smaller than the side it reflects.
  const int64_t radius = std::min({static_cast<int64_t>(std::ceil(3.0 * sigma)), H - 1, W - 1});
  if (radius == 0) return clip.clone(at::MemoryFormat::Contiguous);
  std::vector<float> taps(2 * radius + 1);
  double total = 0;
  for (int64_t i = -radius; i <= radius; ++i) total += std::exp(-0.5 * i * i / (sigma * sigma));
  for (int64_t i = -radius; i <= radius; ++i) {
    taps[i + radius] = static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)) / total);
  }
  const at::Tensor kernel = at::tensor(taps);
  // Each channel of each frame is one single-channel image: [T*C,1,H,W].
  at::Tensor x = clip.to(at::kFloat).permute({0, 3, 1, 2}).reshape({T * C, 1, H, W});
  x = at::conv2d(at::reflection_pad2d(x, {radius, radius, 0, 0}), kernel.view({1, 1, 1, -1}));
  x = at::conv2d(at::reflection_pad2d(x, {0, 0, radius, radius}), kernel.view({1, 1, -1, 1}));
  at::Tensor out = x.view({T, C, H, W}).permute({0, 2, 3, 1}).contiguous();
  if (clip.scalar_type() == at::kByte) return out.round_().clamp_(0.0, 255.0).to(at::kByte);
  return out;
}

}  // namespace vidrep::transform
