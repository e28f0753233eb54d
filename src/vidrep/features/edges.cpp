#include "vidrep/features/edges.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>

namespace vidrep::features {

namespace {

void check_image(const Array& image, const char* what) {
  if (!image.defined() || image.dim() < 2 || image.dtype() != DType::Float32 || image.size(-1) < 1 ||
      image.size(-2) < 1) {
    throw InvalidArgument(fmt::format("{}: expected a float32 image [...,H,W], got {}", what, describe(image)));
  }
}

}  // namespace

void sobel(const float* image, int64_t h, int64_t w, float* gx, float* gy) {
  // Separable: [1,2,1] smoothing across the derivative, [-1,0,1] along it; neighbours clamped.
  std::vector<float> across_rows(static_cast<size_t>(w + 2)), across_cols(static_cast<size_t>(w));
  std::vector<float> above(static_cast<size_t>(w)), below(static_cast<size_t>(w));
  auto cols_sum = [&](int64_t y, float* dst) {  // [1,2,1] along row y, clamped
    const float* r = image + std::clamp<int64_t>(y, 0, h - 1) * w;
    for (int64_t x = 0; x < w; ++x) dst[x] = r[std::max<int64_t>(x - 1, 0)] + 2 * r[x] + r[std::min(x + 1, w - 1)];
  };
  for (int64_t y = 0; y < h; ++y) {
    const float* up = image + std::max<int64_t>(y - 1, 0) * w;
    const float* mid = image + y * w;
    const float* down = image + std::min(y + 1, h - 1) * w;
    for (int64_t xp = 0; xp < w + 2; ++xp) {
      const int64_t x = std::clamp<int64_t>(xp - 1, 0, w - 1);
      across_rows[xp] = up[x] + 2 * mid[x] + down[x];
    }
    for (int64_t x = 0; x < w; ++x) gx[y * w + x] = (across_rows[x + 2] - across_rows[x]) * 0.125f;
    cols_sum(y - 1, above.data());
    cols_sum(y + 1, below.data());
    for (int64_t x = 0; x < w; ++x) gy[y * w + x] = (below[x] - above[x]) * 0.125f;
  }
}

std::pair<Array, Array> sobel(const Array& image) {
  check_image(image, "sobel");
  const int64_t h = image.size(-2), w = image.size(-1), planes = image.numel() / (h * w);
  Array gx(DType::Float32, image.shape()), gy(DType::Float32, image.shape());
  for (int64_t i = 0; i < planes; ++i) {
    sobel(image.data<float>() + i * h * w, h, w, gx.data<float>() + i * h * w, gy.data<float>() + i * h * w);
  }
  return {gx, gy};
}

Array angle_bins(const Array& x, const Array& y, int64_t bins, bool full_circle) {
  if (bins < 1 || bins > 360) throw InvalidArgument(fmt::format("angle bins: expected 1..360, got {}", bins));
  if (!x.defined() || x.dtype() != DType::Float32 || !y.defined() || y.dtype() != DType::Float32 ||
      x.shape() != y.shape()) {
    throw InvalidArgument(fmt::format("angle_bins: expected float32 x and y of one shape, got {} and {}",
                                      describe(x), describe(y)));
  }
  Array out(DType::Int64, x.shape());
  const float width = angle_bin_width(bins, full_circle);
  for (int64_t i = 0; i < x.numel(); ++i) {
    out.data<int64_t>()[i] = angle_bin(x.data<float>()[i], y.data<float>()[i], static_cast<int32_t>(bins), width);
  }
  return out;
}

std::vector<std::string> angle_bin_names(int64_t bins, bool full_circle) {
  std::vector<std::string> names;
  for (int64_t b = 0; b < bins; ++b) names.push_back(fmt::format("{:g}deg", b * (full_circle ? 360.0 : 180.0) / bins));
  return names;
}

}  // namespace vidrep::features
