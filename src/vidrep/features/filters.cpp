#include "vidrep/features/filters.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace vidrep::features {

namespace {

// The kernel's taps in float, and per position along an axis of n samples the factor that
// renormalizes the taps that fell inside (1 where none fell outside).
struct Taps {
  std::vector<float> k;
  int64_t r;
  std::vector<float> renormalize;
};

Taps taps_for(const std::vector<double>& kernel, int64_t n) {
  const int64_t r = static_cast<int64_t>(kernel.size() / 2);
  Taps t{std::vector<float>(kernel.begin(), kernel.end()), r, std::vector<float>(n, 1.0f)};
  for (int64_t i = 0; i < n; ++i) {
    if (i >= r && i < n - r) continue;  // every tap inside
    double mass = kernel[r];
    for (int64_t j = 0; j < static_cast<int64_t>(kernel.size()); ++j) {
      const int64_t s = j - r;
      if (s != 0 && i + s >= 0 && i + s < n) mass += kernel[j];
    }
    t.renormalize[i] = static_cast<float>(1.0 / mass);
  }
  return t;
}

}  // namespace

std::vector<double> gaussian_kernel(double sigma) {
  if (!(sigma > 0)) throw InvalidArgument(fmt::format("Gaussian window: expected sigma > 0, got {}", sigma));
  const int r = std::max(1, static_cast<int>(std::ceil(2 * sigma)));
  std::vector<double> k(2 * r + 1);
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += k[i + r] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double& v : k) v /= sum;
  return k;
}

void filter_separable(const float* in, float* out, int64_t h, int64_t w, const std::vector<double>& kernel) {
  if (kernel.size() % 2 == 0) {
    throw InvalidArgument(fmt::format("filter_separable: expected an odd kernel, got {} taps", kernel.size()));
  }
  const Taps tx = taps_for(kernel, w), ty = taps_for(kernel, h);
  const int64_t taps = static_cast<int64_t>(kernel.size());
  // Along rows into `rows`; taps in kernel order, the centre first, as every pixel sums them.
  std::vector<float> rows(static_cast<size_t>(h * w));
  for (int64_t y = 0; y < h; ++y) {
    const float* src = in + y * w;
    float* dst = rows.data() + y * w;
    for (int64_t x = 0; x < w; ++x) dst[x] = src[x] * tx.k[tx.r];
    for (int64_t j = 0; j < taps; ++j) {
      const int64_t s = j - tx.r;
      if (s == 0 || std::abs(s) >= w) continue;
      const float kj = tx.k[j];
      const int64_t lo = std::max<int64_t>(0, -s), hi = std::min(w, w - s);
      for (int64_t x = lo; x < hi; ++x) dst[x] += src[x + s] * kj;
    }
    for (int64_t x = 0; x < std::min(w, tx.r); ++x) dst[x] *= tx.renormalize[x];
    for (int64_t x = std::max(tx.r, w - tx.r); x < w; ++x) dst[x] *= tx.renormalize[x];
  }
  // Along columns, a row of output at a time.
  for (int64_t y = 0; y < h; ++y) {
    float* dst = out + y * w;
    const float* centre = rows.data() + y * w;
    for (int64_t x = 0; x < w; ++x) dst[x] = centre[x] * ty.k[ty.r];
    for (int64_t j = 0; j < taps; ++j) {
      const int64_t s = j - ty.r;
      if (s == 0 || y + s < 0 || y + s >= h) continue;
      const float kj = ty.k[j];
      const float* src = rows.data() + (y + s) * w;
      for (int64_t x = 0; x < w; ++x) dst[x] += src[x] * kj;
    }
    if (y < ty.r || y >= h - ty.r) {
      const float f = ty.renormalize[y];
      for (int64_t x = 0; x < w; ++x) dst[x] *= f;
    }
  }
}

void downsample2(const float* in, int64_t h, int64_t w, float* out) {
  const int64_t ho = (h + 1) / 2, wo = (w + 1) / 2;
  static constexpr float c[4] = {1.0f / 8, 3.0f / 8, 3.0f / 8, 1.0f / 8};
  // Taps at 2i-1 .. 2i+2, clamped into the image (the replicated border).
  auto clamp = [](int64_t i, int64_t n) { return std::clamp<int64_t>(i, 0, n - 1); };
  std::vector<float> rows(static_cast<size_t>(h * wo));
  for (int64_t y = 0; y < h; ++y) {
    const float* src = in + y * w;
    for (int64_t i = 0; i < wo; ++i) {
      float v = src[clamp(2 * i - 1, w)] * c[0];
      for (int j = 1; j < 4; ++j) v += src[clamp(2 * i - 1 + j, w)] * c[j];
      rows[y * wo + i] = v;
    }
  }
  for (int64_t o = 0; o < ho; ++o) {
    const float* r[4];
    for (int j = 0; j < 4; ++j) r[j] = rows.data() + clamp(2 * o - 1 + j, h) * wo;
    float* dst = out + o * wo;
    for (int64_t i = 0; i < wo; ++i) dst[i] = r[0][i] * c[0] + r[1][i] * c[1] + r[2][i] * c[2] + r[3][i] * c[3];
  }
}

}  // namespace vidrep::features
