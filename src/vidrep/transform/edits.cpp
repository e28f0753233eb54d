#include "vidrep/transform/edits.h"

#include "vidrep/error.h"
#include "vidrep/random.h"
#include "vidrep/transform/check.h"
#include "vidrep/transform/geometry.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace vidrep::transform {

using detail::check_clip;

namespace {

void check_probability(const char* op, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument(fmt::format("{}: expected a probability in [0,1], got {}", op, p));
}

// The clip's value range: 255 for uint8, 1 for float32.
double full_scale(const at::Tensor& clip) { return clip.scalar_type() == at::kByte ? 255.0 : 1.0; }

// A random colour [C] in the clip's dtype.
at::Tensor random_colour(const at::Tensor& clip, Rng& rng) {
  const int64_t c = clip.size(3);
  at::Tensor colour = at::empty({c}, at::kDouble);
  for (int64_t i = 0; i < c; ++i) colour[i] = rng.uniform() * full_scale(clip);
  return clip.scalar_type() == at::kByte ? colour.round().to(at::kByte) : colour.to(at::kFloat);
}

// Float in the clip's own units back to its dtype: uint8 rounded and clamped, float32 clamped to 0..1.
at::Tensor back_to(const at::Tensor& values, const at::Tensor& like) {
  if (like.scalar_type() == at::kByte) return values.round().clamp(0, 255).to(at::kByte);
  return values.clamp(0, 1).to(at::kFloat);
}

// The orthonormal 8-point DCT-II matrix: row u is basis function u.
at::Tensor dct8() {
  at::Tensor d = at::empty({8, 8}, at::kFloat);
  for (int u = 0; u < 8; ++u) {
    const double scale = u == 0 ? std::sqrt(1.0 / 8) : std::sqrt(2.0 / 8);
    for (int x = 0; x < 8; ++x) d[u][x] = scale * std::cos((2 * x + 1) * u * std::numbers::pi / 16);
  }
  return d;
}

}  // namespace

at::Tensor random_speed(const at::Tensor& clip, int64_t frames, double lo, double hi, uint64_t seed) {
  check_clip(clip, "random_speed");
  if (frames < 1) throw InvalidArgument(fmt::format("random_speed: expected frames >= 1, got {}", frames));
  if (!(lo > 0 && lo <= hi && std::isfinite(hi))) {
    throw InvalidArgument(fmt::format("random_speed: expected a rate range 0 < lo <= hi, got {}-{}", lo, hi));
  }
  const int64_t length = clip.size(0);
  const double fits = frames > 1 ? static_cast<double>(length - 1) / static_cast<double>(frames - 1)
                                 : std::numeric_limits<double>::infinity();
  const double r_hi = std::min(hi, fits), r_lo = std::min(lo, r_hi);
  Rng rng(seed);
  const double rate = r_lo > 0 ? std::exp(rng.uniform(std::log(r_lo), std::log(r_hi))) : r_hi;
  const double span = static_cast<double>(frames - 1) * rate;
  const double start = rng.uniform(0, std::max(0.0, static_cast<double>(length - 1) - span));
  at::Tensor index = at::empty({frames}, at::kLong);
  int64_t* out = index.data_ptr<int64_t>();
  for (int64_t i = 0; i < frames; ++i) {
    out[i] = std::min<int64_t>(length - 1, std::llround(start + static_cast<double>(i) * rate));
  }
  return clip.index_select(0, index);
}

at::Tensor random_pad(const at::Tensor& clip, double max_fraction, double p, uint64_t seed) {
  check_clip(clip, "random_pad");
  check_probability("random_pad", p);
  if (!(max_fraction >= 0 && max_fraction <= 1)) {
    throw InvalidArgument(fmt::format("random_pad: expected a fraction in [0,1], got {}", max_fraction));
  }
  Rng rng(seed);
  if (!(rng.uniform() < p)) return clip.clone(at::MemoryFormat::Contiguous);
  const int64_t h = clip.size(1), w = clip.size(2);
  auto side = [&](int64_t size) { return std::llround(rng.uniform(0, max_fraction) * static_cast<double>(size)); };
  const int64_t top = side(h), bottom = side(h), left = side(w), right = side(w);
  const at::Tensor colour = random_colour(clip, rng);
  at::Tensor padded = colour.view({1, 1, 1, -1}).expand({clip.size(0), h + top + bottom, w + left + right, clip.size(3)}).contiguous();
  padded.slice(1, top, top + h).slice(2, left, left + w).copy_(clip);
  return resize(padded, w, h);
}

at::Tensor random_overlay(const at::Tensor& clip, double p, uint64_t seed) {
  check_clip(clip, "random_overlay");
  check_probability("random_overlay", p);
  Rng rng(seed);
  if (!(rng.uniform() < p)) return clip.clone(at::MemoryFormat::Contiguous);
  const int64_t h = clip.size(1), w = clip.size(2);
  const double area = rng.uniform(0.02, 0.15) * static_cast<double>(h * w);
  const double aspect = std::exp(rng.uniform(std::log(0.25), std::log(4.0)));
  const int64_t bw = std::clamp<int64_t>(std::llround(std::sqrt(area * aspect)), 1, w);
  const int64_t bh = std::clamp<int64_t>(std::llround(std::sqrt(area / aspect)), 1, h);
  const int64_t top = rng.integer(0, h - bh), left = rng.integer(0, w - bw);
  const double alpha = rng.uniform(0.5, 1.0);
  const at::Tensor first = random_colour(clip, rng).to(at::kFloat), second = random_colour(clip, rng).to(at::kFloat);
  // Flat, or horizontal bars (text lines) of 2..bh/2 rows.
  at::Tensor pattern = first.view({1, 1, -1}).expand({bh, bw, clip.size(3)}).clone();
  if (rng.uniform() < 0.5 && bh >= 4) {
    const int64_t period = rng.integer(2, std::max<int64_t>(2, bh / 2));
    const int64_t bar = std::max<int64_t>(1, period / 2);
    for (int64_t y = period / 2; y < bh; y += period) pattern.slice(0, y, std::min(bh, y + bar)).copy_(second.view({1, 1, -1}));
  }
  at::Tensor out = clip.clone(at::MemoryFormat::Contiguous);
  at::Tensor box = out.slice(1, top, top + bh).slice(2, left, left + bw);
  const at::Tensor blended = box.to(at::kFloat) * (1 - alpha) + pattern.unsqueeze(0) * alpha;
  box.copy_(back_to(blended, clip));
  return out;
}

at::Tensor random_dct_quantize(const at::Tensor& clip, double lo, double hi, double p, uint64_t seed) {
  check_clip(clip, "random_dct_quantize");
  check_probability("random_dct_quantize", p);
  if (!(lo > 0 && lo <= hi && std::isfinite(hi))) {
    throw InvalidArgument(fmt::format("random_dct_quantize: expected a step range 0 < lo <= hi, got {}-{}", lo, hi));
  }
  Rng rng(seed);
  if (!(rng.uniform() < p)) return clip.clone(at::MemoryFormat::Contiguous);
  const double q = rng.uniform(lo, hi);
  const int64_t t = clip.size(0), c = clip.size(3);
  const int64_t bh = clip.size(1) / 8, bw = clip.size(2) / 8;
  at::Tensor out = clip.clone(at::MemoryFormat::Contiguous);
  if (bh == 0 || bw == 0) return out;
  // In 0..255 units: [T,bh,8,bw,8,C] -> [T,bh,bw,C,8,8] blocks.
  at::Tensor region = out.slice(1, 0, bh * 8).slice(2, 0, bw * 8);
  const double scale = 255.0 / full_scale(clip);
  const at::Tensor blocks = (region.to(at::kFloat) * scale).reshape({t, bh, 8, bw, 8, c}).permute({0, 1, 3, 5, 2, 4});
  const at::Tensor d = dct8();
  const at::Tensor step = (at::arange(8, at::kFloat).view({8, 1}) + at::arange(8, at::kFloat).view({1, 8}) + 1) * q;
  const at::Tensor coef = at::matmul(at::matmul(d, blocks), d.t());
  const at::Tensor back = at::matmul(at::matmul(d.t(), (coef / step).round() * step), d);
  const at::Tensor pixels = back.permute({0, 1, 4, 2, 5, 3}).reshape({t, bh * 8, bw * 8, c}) / scale;
  region.copy_(back_to(pixels, clip));
  return out;
}

}  // namespace vidrep::transform
