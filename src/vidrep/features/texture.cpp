#include "vidrep/features/texture.h"

#include "vidrep/error.h"
#include "vidrep/describe.h"
#include "vidrep/features/filters.h"

#include <fmt/format.h>

#include <ATen/ATen.h>

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

at::Tensor lbp_codes(const at::Tensor& luma) {
  const at::Tensor p = pad_replicate(luma, 1);
  const int64_t h = luma.size(-2), w = luma.size(-1);
  // (dy, dx) of neighbours E, SE, S, SW, W, NW, N, NE: circular order, as uniformity needs.
  static constexpr int offsets[8][2] = {{0, 1}, {1, 1}, {1, 0}, {1, -1}, {0, -1}, {-1, -1}, {-1, 0}, {-1, 1}};
  at::Tensor code = at::zeros(luma.sizes(), luma.options().dtype(at::kByte));
  for (int k = 0; k < 8; ++k) {
    const at::Tensor neighbour = p.narrow(-2, 1 + offsets[k][0], h).narrow(-1, 1 + offsets[k][1], w);
    code.add_(neighbour.ge(luma), 1 << k);
  }
  return code;
}

at::Tensor lbp_uniform(const at::Tensor& luma) {
  const auto& table = uniform_lbp_labels();
  const at::Tensor lut = at::tensor(at::ArrayRef<int64_t>(table.data(), table.size()), at::kLong);
  const at::Tensor code = lbp_codes(luma);
  return lut.index_select(0, code.reshape({-1}).to(at::kLong)).view(code.sizes());
}

at::Tensor fold_uniform_lbp(const at::Tensor& code_histogram) {
  if (!code_histogram.defined() || code_histogram.dim() < 1 || code_histogram.size(-1) != 256 ||
      !code_histogram.is_floating_point()) {
    throw InvalidArgument(fmt::format("fold_uniform_lbp: expected a float histogram [...,256], got {}",
                                      vidrep::describe(code_histogram)));
  }
  // index_add rather than a product with a 0/1 matrix: no BLAS call (see stpp.h).
  const auto& labels = uniform_lbp_labels();
  const at::Tensor index = at::tensor(at::ArrayRef<int64_t>(labels.data(), labels.size()), at::kLong);
  std::vector<int64_t> shape = code_histogram.sizes().vec();
  shape.back() = kUniformLbpBins;
  return at::zeros(shape, code_histogram.options()).index_add_(-1, index, code_histogram);
}

}  // namespace vidrep::features
