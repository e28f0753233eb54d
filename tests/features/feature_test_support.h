// Helpers for the feature tests: clips with known content and access to one group's columns.
#pragma once

#include "vidrep/features/feature_extractor.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace vidrep::test {

// A smooth grey texture (a sum of five sinusoids of periods 11-31 px in different directions, so
// every window has gradients in both axes) moving by (dx, dy) pixels per frame: frame t at (x, y)
// shows the pattern at (x - t*dx, y - t*dy). Sub-pixel motion is exact, up to uint8 rounding.
inline at::Tensor textured_clip(int64_t frames, int64_t height, int64_t width, double dx, double dy) {
  struct Wave {
    double amplitude, period, degrees, phase;
  };
  static constexpr Wave waves[] = {
      {0.12, 23, 10, 0.3}, {0.10, 17, 75, 1.1}, {0.08, 13, 140, 2.0}, {0.07, 31, 20, 0.7}, {0.06, 11, 110, 2.9}};
  const at::Tensor x = at::arange(width, at::kDouble).view({1, 1, width});
  const at::Tensor y = at::arange(height, at::kDouble).view({1, height, 1});
  const at::Tensor t = at::arange(frames, at::kDouble).view({frames, 1, 1});
  at::Tensor image = at::full({frames, height, width}, 0.5, at::kDouble);
  for (const Wave& w : waves) {
    const double a = w.degrees * std::numbers::pi / 180;
    const double k = 2 * std::numbers::pi / w.period;
    image += w.amplitude * at::sin(k * (std::cos(a) * (x - t * dx) + std::sin(a) * (y - t * dy)) + w.phase);
  }
  return (image * 255).round().clamp(0, 255).to(at::kByte).unsqueeze(-1).expand({frames, height, width, 3}).contiguous();
}

// A clip filled with one colour.
inline at::Tensor solid_clip(int64_t frames, int64_t height, int64_t width, int r, int g, int b) {
  const at::Tensor colour = at::tensor({r, g, b}, at::kInt).to(at::kByte);
  return colour.view({1, 1, 1, 3}).expand({frames, height, width, 3}).contiguous();
}

// The extractor speaks Array; the tests build clips and check descriptors with ATen.
inline at::Tensor extract(const features::FeatureExtractor& fx, const at::Tensor& clip) {
  return to_tensor(fx.extract(to_array(clip)));
}
inline at::Tensor extract_batch(const features::FeatureExtractor& fx, const at::Tensor& clips) {
  return to_tensor(fx.extract_batch(to_array(clips)));
}

// Columns of group `name` in descriptor `d` ([D]) as [cells, channels].
inline at::Tensor group_of(const features::FeatureExtractor& fx, const at::Tensor& d, const std::string& name) {
  for (const auto& g : fx.layout()) {
    if (g.name == name) {
      return d.narrow(-1, g.offset, g.length).view({g.cells, static_cast<int64_t>(g.channels.size())});
    }
  }
  throw std::runtime_error("no feature group " + name);
}

}  // namespace vidrep::test
