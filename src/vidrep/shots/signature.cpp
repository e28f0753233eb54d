#include "vidrep/shots/signature.h"

#include <cmath>

namespace vidrep::shots {

namespace {

// A block whose luma spread is below this (in 0..255 levels) counts as flat (no structure).
constexpr float kFlatStd = 2.0f;

}  // namespace

FrameSignature frame_signature(const uint8_t* rgb, int width, int height) {
  FrameSignature s;
  std::array<double, kGrid * kGrid> sum{};
  std::array<int, kGrid * kGrid> count{};
  double total = 0;
  for (int y = 0; y < height; ++y) {
    const int gy = y * kGrid / height;
    const uint8_t* row = rgb + static_cast<size_t>(y) * width * 3;
    for (int x = 0; x < width; ++x) {
      const uint8_t r = row[3 * x], g = row[3 * x + 1], b = row[3 * x + 2];
      const double luma = 0.299 * r + 0.587 * g + 0.114 * b;
      const int cell = gy * kGrid + x * kGrid / width;
      sum[cell] += luma;
      ++count[cell];
      total += luma;
      s.histogram[(r >> 6) * 16 + (g >> 6) * 4 + (b >> 6)] += 1.0f;
    }
  }
  const double pixels = static_cast<double>(width) * height;
  for (float& h : s.histogram) h = static_cast<float>(h / pixels);
  s.mean_luma = static_cast<float>(total / pixels);
  double square = 0;
  for (int i = 0; i < kGrid * kGrid; ++i) {
    const double v = sum[i] / count[i] - s.mean_luma;
    s.luma[i] = static_cast<float>(v);
    square += v * v;
  }
  s.luma_std = static_cast<float>(std::sqrt(square / (kGrid * kGrid)));
  if (s.luma_std >= kFlatStd) {
    const auto norm = static_cast<float>(std::sqrt(square));
    for (float& v : s.luma) v /= norm;
  } else {
    s.luma.fill(0.0f);
  }
  return s;
}

double histogram_distance(const FrameSignature& a, const FrameSignature& b) {
  double l1 = 0;
  for (int i = 0; i < kBins; ++i) l1 += std::fabs(a.histogram[i] - b.histogram[i]);
  return 0.5 * l1;
}

double structure_distance(const FrameSignature& a, const FrameSignature& b) {
  const bool flat_a = a.luma_std < kFlatStd, flat_b = b.luma_std < kFlatStd;
  if (flat_a && flat_b) return 0;
  if (flat_a || flat_b) return 0.5;
  double corr = 0;
  for (int i = 0; i < kGrid * kGrid; ++i) corr += static_cast<double>(a.luma[i]) * b.luma[i];
  return (1 - corr) / 2;
}

double frame_distance(const FrameSignature& a, const FrameSignature& b) {
  return 0.5 * (histogram_distance(a, b) + structure_distance(a, b));
}

}  // namespace vidrep::shots
