#include "vidrep/features/texture.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace vidrep::features {

const std::array<int64_t, 256>& uniform_lbp_labels() {
  static const std::array<int64_t, 256> table = [] {
    std::array<int64_t, 256> t{};
    int64_t next = 0;
    for (unsigned code = 0; code < 256; ++code) {
      const unsigned rotated = ((code << 1) | (code >> 7)) & 0xFFu;  // neighbour k compared with k-1
      t[code] = std::popcount(code ^ rotated) <= 2 ? next++ : kUniformLbpBins - 1;
    }
    return t;
  }();
  return table;
}

void lbp_codes(const float* luma, int64_t h, int64_t w, uint8_t* codes) {
  // (dy, dx) of neighbours E, SE, S, SW, W, NW, N, NE: circular order, as uniformity needs.
  static constexpr int offsets[8][2] = {{0, 1}, {1, 1}, {1, 0}, {1, -1}, {0, -1}, {-1, -1}, {-1, 0}, {-1, 1}};
  for (int64_t y = 0; y < h; ++y) {
    const float* rows[3] = {luma + std::max<int64_t>(y - 1, 0) * w, luma + y * w, luma + std::min(y + 1, h - 1) * w};
    for (int64_t x = 0; x < w; ++x) {
      const float centre = rows[1][x];
      unsigned code = 0;
      for (int k = 0; k < 8; ++k) {
        const int64_t nx = std::clamp<int64_t>(x + offsets[k][1], 0, w - 1);
        code |= static_cast<unsigned>(rows[1 + offsets[k][0]][nx] >= centre) << k;
      }
      codes[y * w + x] = static_cast<uint8_t>(code);
    }
  }
}

Array lbp_codes(const Array& luma) {
  if (!luma.defined() || luma.dim() < 2 || luma.dtype() != DType::Float32 || luma.size(-1) < 1 || luma.size(-2) < 1) {
    throw InvalidArgument(fmt::format("lbp_codes: expected float32 luma [...,H,W], got {}", describe(luma)));
  }
  const int64_t h = luma.size(-2), w = luma.size(-1), planes = luma.numel() / (h * w);
  Array codes(DType::UInt8, luma.shape());
  for (int64_t i = 0; i < planes; ++i) lbp_codes(luma.data<float>() + i * h * w, h, w, codes.data<uint8_t>() + i * h * w);
  return codes;
}

Array fold_uniform_lbp(const Array& code_histogram) {
  const Array& hist = code_histogram;
  if (!hist.defined() || hist.dim() < 1 || hist.size(-1) != 256 || hist.dtype() != DType::Float64) {
    throw InvalidArgument(fmt::format("fold_uniform_lbp: expected a float64 histogram [...,256], got {}",
                                      describe(hist)));
  }
  const auto& labels = uniform_lbp_labels();
  std::vector<int64_t> shape = hist.shape();
  shape.back() = kUniformLbpBins;
  Array out(DType::Float64, shape);
  const int64_t rows = hist.numel() / 256;
  for (int64_t i = 0; i < rows; ++i) {
    const double* src = hist.data<double>() + i * 256;
    double* dst = out.data<double>() + i * kUniformLbpBins;
    std::fill(dst, dst + kUniformLbpBins, 0.0);
    for (int code = 0; code < 256; ++code) dst[labels[code]] += src[code];
  }
  return out;
}

}  // namespace vidrep::features
