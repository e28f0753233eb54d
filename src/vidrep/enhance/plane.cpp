#include "vidrep/enhance/plane.h"

#include <cstring>

namespace vidrep::enhance {

void Plane::load(const uint8_t* src, std::ptrdiff_t stride, int width, int height, int border) {
  width_ = width;
  height_ = height;
  border_ = border;
  stride_ = width + 2 * border;
  data_.resize(static_cast<size_t>(stride_) * static_cast<size_t>(height + 2 * border));
  for (int y = 0; y < height; ++y) std::memcpy(row(y), src + y * stride, static_cast<size_t>(width));
  extend_edges();
}

void Plane::store(uint8_t* dst, std::ptrdiff_t stride) const {
  for (int y = 0; y < height_; ++y) std::memcpy(dst + y * stride, row(y), static_cast<size_t>(width_));
}

void Plane::extend_edges() {
  if (width_ == 0 || height_ == 0) return;
  for (int y = 0; y < height_; ++y) {
    uint8_t* r = row(y);
    std::memset(r - border_, r[0], static_cast<size_t>(border_));
    std::memset(r + width_, r[width_ - 1], static_cast<size_t>(border_));
  }
  const auto full = static_cast<size_t>(stride_);
  for (int b = 1; b <= border_; ++b) {
    std::memcpy(row(-b) - border_, row(0) - border_, full);
    std::memcpy(row(height_ - 1 + b) - border_, row(height_ - 1) - border_, full);
  }
}

}  // namespace vidrep::enhance
