#include "vidrep/features/filters.h"

#include "vidrep/error.h"
#include "vidrep/describe.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

namespace vidrep::features {

namespace {

void check_image(const at::Tensor& image, const char* what) {
  if (!image.defined() || image.dim() < 2 || !image.is_floating_point() || image.size(-1) < 1 || image.size(-2) < 1) {
    throw InvalidArgument(fmt::format("{}: expected a float image [...,H,W], got {}", what,
                                      vidrep::describe(image)));
  }
}

// Correlation along `dim` with zero samples outside, divided by the kernel mass that fell inside.
at::Tensor filter_axis(const at::Tensor& x, const std::vector<double>& k, int64_t dim) {
  const int64_t n = x.size(dim);
  const int64_t r = static_cast<int64_t>(k.size() / 2);
  at::Tensor out = x * k[r];
  std::vector<double> mass(n, k[r]);
  for (int64_t j = 0; j < static_cast<int64_t>(k.size()); ++j) {
    const int64_t s = j - r;  // out[i] += k[j] * x[i + s]
    if (s == 0 || std::abs(s) >= n) continue;
    const int64_t len = n - std::abs(s);
    out.narrow(dim, std::max<int64_t>(0, -s), len).add_(x.narrow(dim, std::max<int64_t>(0, s), len), k[j]);
    for (int64_t i = std::max<int64_t>(0, -s); i < std::max<int64_t>(0, -s) + len; ++i) mass[i] += k[j];
  }
  // Only the samples within r of an end lost kernel mass: renormalize those two slabs (or the whole
  // axis when they meet), not every sample.
  auto renormalize = [&](int64_t first, int64_t count) {
    std::vector<double> inv(count);
    for (int64_t i = 0; i < count; ++i) inv[i] = 1.0 / mass[first + i];
    std::vector<int64_t> shape(x.dim(), 1);
    shape[dim] = count;
    out.narrow(dim, first, count).mul_(at::tensor(inv, at::kDouble).to(x.scalar_type()).view(shape));
  };
  if (n <= 2 * r) {
    renormalize(0, n);
  } else {
    renormalize(0, r);
    renormalize(n - r, r);
  }
  return out;
}

}  // namespace

at::Tensor pad_replicate(const at::Tensor& image, int64_t r) {
  check_image(image, "pad_replicate");
  const int64_t h = image.size(-2), w = image.size(-1);
  const at::Tensor iy = at::arange(-r, h + r, at::kLong).clamp_(0, h - 1);
  const at::Tensor ix = at::arange(-r, w + r, at::kLong).clamp_(0, w - 1);
  return image.index_select(-1, ix).index_select(-2, iy);
}

std::vector<double> gaussian_kernel(double sigma) {
  if (!(sigma > 0)) throw InvalidArgument(fmt::format("Gaussian window: expected sigma > 0, got {}", sigma));
  const int r = std::max(1, static_cast<int>(std::ceil(2 * sigma)));
  std::vector<double> k(2 * r + 1);
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += k[i + r] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double& v : k) v /= sum;
  return k;
}

at::Tensor filter_separable(const at::Tensor& image, const std::vector<double>& kernel) {
  check_image(image, "filter_separable");
  if (kernel.size() % 2 == 0) {
    throw InvalidArgument(fmt::format("filter_separable: expected an odd kernel, got {} taps", kernel.size()));
  }
  return filter_axis(filter_axis(image, kernel, image.dim() - 1), kernel, image.dim() - 2);
}

at::Tensor downsample2(const at::Tensor& image) {
  check_image(image, "downsample2");
  const int64_t h = image.size(-2), w = image.size(-1);
  const int64_t ho = (h + 1) / 2, wo = (w + 1) / 2;
  // Taps at 2i-1 .. 2i+2, so one sample of replicated border on the left and up to two on the right.
  const at::Tensor p = pad_replicate(image, 2).narrow(-1, 1, w + 3).narrow(-2, 1, h + 3);
  static constexpr double c[4] = {1.0 / 8, 3.0 / 8, 3.0 / 8, 1.0 / 8};
  at::Tensor rows;
  for (int j = 0; j < 4; ++j) {
    const at::Tensor tap = p.narrow(-1, j, 2 * wo - 1).slice(-1, 0, 2 * wo - 1, 2);
    rows = j == 0 ? tap * c[j] : rows.add_(tap, c[j]);
  }
  at::Tensor out;
  for (int j = 0; j < 4; ++j) {
    const at::Tensor tap = rows.narrow(-2, j, 2 * ho - 1).slice(-2, 0, 2 * ho - 1, 2);
    out = j == 0 ? tap * c[j] : out.add_(tap, c[j]);
  }
  return out;
}

}  // namespace vidrep::features
