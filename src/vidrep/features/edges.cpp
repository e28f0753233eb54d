#include "vidrep/features/edges.h"

#include "vidrep/error.h"
#include "vidrep/features/filters.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <numbers>

namespace vidrep::features {

std::pair<at::Tensor, at::Tensor> sobel(const at::Tensor& image) {
  const at::Tensor p = pad_replicate(image, 1);
  const int64_t h = image.size(-2), w = image.size(-1);
  // Separable: [1,2,1] smoothing across the derivative, [-1,0,1] along it.
  const at::Tensor across_rows = p.narrow(-2, 0, h) + 2 * p.narrow(-2, 1, h) + p.narrow(-2, 2, h);  // [...,H,W+2]
  const at::Tensor gx = (across_rows.narrow(-1, 2, w) - across_rows.narrow(-1, 0, w)).mul_(0.125);
  const at::Tensor across_cols = p.narrow(-1, 0, w) + 2 * p.narrow(-1, 1, w) + p.narrow(-1, 2, w);  // [...,H+2,W]
  const at::Tensor gy = (across_cols.narrow(-2, 2, h) - across_cols.narrow(-2, 0, h)).mul_(0.125);
  return {gx, gy};
}

at::Tensor angle_bins(const at::Tensor& x, const at::Tensor& y, int64_t bins, bool full_circle) {
  if (bins < 1) throw InvalidArgument(fmt::format("angle bins: expected at least 1, got {}", bins));
  const double width = (full_circle ? 2 : 1) * std::numbers::pi / static_cast<double>(bins);
  // Centred bins: shift by half a bin, floor, wrap. Angles a period apart share a bin.
  return at::remainder(at::floor(at::atan2(y, x).div_(width).add_(0.5)), static_cast<double>(bins)).to(at::kLong);
}

std::vector<std::string> angle_bin_names(int64_t bins, bool full_circle) {
  std::vector<std::string> names;
  for (int64_t b = 0; b < bins; ++b) names.push_back(fmt::format("{:g}deg", b * (full_circle ? 360.0 : 180.0) / bins));
  return names;
}

}  // namespace vidrep::features
