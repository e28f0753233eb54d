#include "vidrep/features/color.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace vidrep::features {

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

Array rgb_to_hsv(const Array& rgb) {
  if (!rgb.defined() || rgb.dim() < 1 || rgb.size(-1) != 3 || rgb.dtype() != DType::Float32) {
    throw InvalidArgument(fmt::format("rgb_to_hsv: expected float32 RGB [...,3], got {}", describe(rgb)));
  }
  Array hsv(DType::Float32, rgb.shape());
  for (int64_t i = 0; i < rgb.numel() / 3; ++i) {
    const float* p = rgb.data<float>() + 3 * i;
    const float r = p[0], g = p[1], b = p[2];
    const float v = std::max(std::max(r, g), b);
    const float chroma = v - std::min(std::min(r, g), b);
    // Zero where undefined (black: saturation; grey: hue), as the hexcone model sets them.
    const float s = v == 0 ? 0.0f : chroma / v;
    float h = 0;
    if (chroma != 0) {  // hue sector by which channel is the maximum (red first on ties)
      if (v == r) {
        const float q = (g - b) / chroma;
        h = q - 6 * std::floor(q / 6);
      } else {
        h = v == g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
      }
      h *= 60;
    }
    float* out = hsv.data<float>() + 3 * i;
    out[0] = h;
    out[1] = s;
    out[2] = v;
  }
  return hsv;
}

int32_t hsv_bin(uint8_t r8, uint8_t g8, uint8_t b8, const HsvBins& bins) {
  const int32_t r = r8, g = g8, b = b8;
  const int32_t v = std::max(std::max(r, g), b);
  const int32_t chroma = v - std::min(std::min(r, g), b);
  // Every ratio is floor(num / den) of non-negative integers (den 0 only where num is 0).
  auto floor_ratio = [](int32_t num, int32_t den, int32_t n) { return std::min(num / std::max(den, 1), n - 1); };
  // Hue in sixths of the circle, times chroma: the hexcone sector by which channel is the maximum.
  const int32_t sector = v == r ? g - b + (g < b ? 6 * chroma : 0) : v == g ? b - r + 2 * chroma : r - g + 4 * chroma;
  int32_t index = floor_ratio(sector * bins.hue, chroma * 6, bins.hue) * bins.saturation;
  index = (index + floor_ratio(chroma * bins.saturation, v, bins.saturation)) * bins.value;
  return index + floor_ratio(v * bins.value, 255, bins.value);
}

Array hsv_bin_index(const Array& rgb, const HsvBins& bins) {
  if (!rgb.defined() || rgb.dim() < 1 || rgb.size(-1) != 3 || rgb.dtype() != DType::UInt8) {
    throw InvalidArgument(fmt::format("hsv_bin_index: expected uint8 RGB [...,3], got {}", describe(rgb)));
  }
  validate_hsv_bins(bins);
  std::vector<int64_t> shape(rgb.shape().begin(), rgb.shape().end() - 1);
  Array index(DType::Int64, shape);
  const uint8_t* p = rgb.data<uint8_t>();
  for (int64_t i = 0; i < index.numel(); ++i) index.data<int64_t>()[i] = hsv_bin(p[3 * i], p[3 * i + 1], p[3 * i + 2], bins);
  return index;
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

Array color_moments_from_histograms(const Array& byte_histograms) {
  const Array& h = byte_histograms;
  if (!h.defined() || h.dim() < 2 || h.size(-1) != 256 || h.size(-2) != 3 || h.dtype() != DType::Float64) {
    throw InvalidArgument(fmt::format("color_moments_from_histograms: expected float64 [...,3,256], got {}",
                                      describe(h)));
  }
  std::vector<int64_t> shape(h.shape().begin(), h.shape().end() - 2);
  shape.push_back(9);
  Array out(DType::Float64, shape);
  for (int64_t i = 0; i < h.numel() / (3 * 256); ++i) {
    double* o = out.data<double>() + 9 * i;
    for (int c = 0; c < 3; ++c) {
      const double* counts = h.data<double>() + (3 * i + c) * 256;
      double m1 = 0, m2 = 0, m3 = 0;  // raw moments E[x], E[x^2], E[x^3]
      for (int byte = 0; byte < 256; ++byte) {
        const double x = byte / 255.0;
        m1 += counts[byte] * x;
        m2 += counts[byte] * (x * x);
        m3 += counts[byte] * (x * x * x);
      }
      const double central3 = (m3 - 3 * m1 * m2) + 2 * m1 * m1 * m1;
      o[c] = m1;
      o[3 + c] = std::sqrt(std::max(m2 - m1 * m1, 0.0));
      o[6 + c] = (central3 > 0 ? 1.0 : central3 < 0 ? -1.0 : 0.0) * std::pow(std::abs(central3), 1.0 / 3.0);
    }
  }
  return out;
}

}  // namespace vidrep::features
