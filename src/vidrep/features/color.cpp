#include "vidrep/features/color.h"

#include "vidrep/error.h"
#include "vidrep/describe.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace vidrep::features {

namespace {

void check_rgb(const at::Tensor& rgb, const char* what) {
  if (!rgb.defined() || rgb.dim() < 3 || rgb.size(-3) != 3 || !rgb.is_floating_point()) {
    throw InvalidArgument(fmt::format("{}: expected float RGB [...,3,H,W], got {}", what,
                                      vidrep::describe(rgb)));
  }
}

}  // namespace

const std::vector<std::string>& color_moment_names() {
  static const std::vector<std::string> names = {"mean_r", "mean_g", "mean_b",  "std_r",  "std_g",
                                                 "std_b",  "third_r", "third_g", "third_b"};
  return names;
}

void validate_hsv_bins(const HsvBins& bins) {
  for (const auto& [name, n] : {std::pair{"hue", bins.hue}, {"saturation", bins.saturation}, {"value", bins.value}}) {
    if (n < 1 || n > 64) throw InvalidArgument(fmt::format("HSV {} bins: expected 1..64, got {}", name, n));
  }
}

namespace {

struct Hsv {
  at::Tensor h, s, v;  // degrees in [0,360); [0,1]; [0,1]
};

Hsv hsv_of(const at::Tensor& rgb) {
  const at::Tensor r = rgb.select(-3, 0), g = rgb.select(-3, 1), b = rgb.select(-3, 2);
  const at::Tensor v = at::maximum(at::maximum(r, g), b);
  const at::Tensor chroma = v - at::minimum(at::minimum(r, g), b);
  const at::Tensor grey = chroma.eq(0);
  // Zero where undefined (black: saturation; grey: hue), as the hexcone model sets them.
  const at::Tensor s = (chroma / v).masked_fill_(v.eq(0), 0);
  const at::Tensor safe = chroma.masked_fill(grey, 1);
  // Hue sector by which channel is the maximum (red first on ties).
  at::Tensor h = at::where(v == r, at::remainder((g - b).div_(safe), 6.0),
                           at::where(v == g, (b - r).div_(safe).add_(2.0), (r - g).div_(safe).add_(4.0)));
  h.mul_(60.0).masked_fill_(grey, 0);
  return {h, s, v};
}

}  // namespace

at::Tensor rgb_to_hsv(const at::Tensor& rgb) {
  check_rgb(rgb, "rgb_to_hsv");
  const Hsv hsv = hsv_of(rgb);
  return at::stack({hsv.h, hsv.s, hsv.v}, -3);
}

at::Tensor hsv_bin_index(const at::Tensor& rgb255, const HsvBins& bins) {
  if (!rgb255.defined() || rgb255.dim() < 3 || rgb255.size(-3) != 3 ||
      !(rgb255.is_floating_point() || rgb255.scalar_type() == at::kByte)) {
    throw InvalidArgument(fmt::format("hsv_bin_index: expected RGB [...,3,H,W] of values 0..255, got {}",
                                      vidrep::describe(rgb255)));
  }
  validate_hsv_bins(bins);
  const at::Tensor rgb = rgb255.to(at::kFloat);
  const at::Tensor r = rgb.select(-3, 0), g = rgb.select(-3, 1), b = rgb.select(-3, 2);
  const at::Tensor v = at::maximum(at::maximum(r, g), b);
  const at::Tensor chroma = v - at::minimum(at::minimum(r, g), b);
  // Every quotient below is floor(a / b) of integers a, b <= 6 * 255 * 64 held exactly in float;
  // a true quotient below an integer n is at most n - 1/b, far more than float's rounding error.
  auto floor_ratio = [](const at::Tensor& num, const at::Tensor& den, int n) {
    return num.div(den.clamp_min(1)).floor_().clamp_(0, n - 1);  // den == 0 only where num == 0
  };
  // Hue in sixths of the circle, times chroma: the hexcone sector by which channel is the maximum.
  const at::Tensor sector = at::where(v == r, (g - b).add_(chroma * 6 * (g < b)),
                                      at::where(v == g, (b - r).add_(chroma * 2), (r - g).add_(chroma * 4)));
  at::Tensor index = floor_ratio(sector * bins.hue, chroma * 6, bins.hue).mul_(bins.saturation);
  index.add_(floor_ratio(chroma * bins.saturation, v, bins.saturation)).mul_(bins.value);
  index.add_(floor_ratio(v * bins.value, at::full_like(v, 255), bins.value));
  return index.to(at::kLong);
}

std::vector<std::string> hsv_bin_names(const HsvBins& bins) {
  std::vector<std::string> names;
  for (int h = 0; h < bins.hue; ++h) {
    for (int s = 0; s < bins.saturation; ++s) {
      for (int v = 0; v < bins.value; ++v) names.push_back(fmt::format("h{}s{}v{}", h, s, v));
    }
  }
  return names;
}

at::Tensor color_moments_from_histograms(const at::Tensor& byte_histograms) {
  const at::Tensor& h = byte_histograms;
  if (!h.defined() || h.dim() < 2 || h.size(-1) != 256 || h.size(-2) != 3 || !h.is_floating_point()) {
    throw InvalidArgument(fmt::format("color_moments_from_histograms: expected float [...,3,256], got {}",
                                      vidrep::describe(h)));
  }
  const at::Tensor x = at::arange(256, at::kDouble).div_(255);
  const at::Tensor powers = at::stack({x, x * x, x * x * x}, 1);                // [256,3]
  const at::Tensor raw = (h.to(at::kDouble).unsqueeze(-1) * powers).sum(-2);  // [...,3 channels,3 powers]
  const at::Tensor m1 = raw.select(-1, 0), m2 = raw.select(-1, 1), m3 = raw.select(-1, 2);
  const at::Tensor std = (m2 - m1 * m1).clamp_min(0).sqrt();
  const at::Tensor central3 = m3 - 3 * m1 * m2 + 2 * m1 * m1 * m1;
  const at::Tensor third = central3.sign() * central3.abs().pow(1.0 / 3.0);
  return at::cat({m1, std, third}, -1);
}

}  // namespace vidrep::features
