#include "vidrep/retrieval/whitening.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/io/npz.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>

namespace vidrep::retrieval {

Whitening Whitening::fit(const Array& rows, int64_t max_dim) {
  Whitening w;
  if (rows.size(0) < 2) return w;
  const at::Tensor x = to_tensor(rows).to(at::kDouble);
  const at::Tensor mean = x.mean(0);
  if (x.size(0) < kMinRows) {
    w.mean_ = to_array(mean.to(at::kFloat).contiguous());
    w.projection_ = to_array(at::eye(x.size(1), at::kFloat));
    return w;
  }
  const at::Tensor centred = x - mean;
  const at::Tensor cov = centred.t().mm(centred) / static_cast<double>(x.size(0));
  const auto [values, vectors] = at::linalg_eigh(cov);  // ascending
  const int64_t d = std::min({max_dim, x.size(1), x.size(0) - 1});
  const at::Tensor top_values = values.flip(0).slice(0, 0, d).clamp_min(0);
  const at::Tensor top_vectors = vectors.flip(1).slice(1, 0, d);
  const double shrink = kShrinkage * values.max().item<double>();
  w.mean_ = to_array(mean.to(at::kFloat).contiguous());
  w.projection_ = to_array((top_vectors / (top_values + shrink + 1e-12).sqrt()).to(at::kFloat).contiguous());
  return w;
}

Array Whitening::apply(const Array& rows) const {
  if (!rows.defined() || rows.dtype() != DType::Float32 || rows.dim() != 2 ||
      (!identity() && rows.size(1) != input_dim())) {
    throw InvalidArgument(fmt::format("descriptors: expected [N,{}] float32, got {}",
                                      identity() ? "D" : std::to_string(input_dim()), describe(rows)));
  }
  const at::Tensor x = to_tensor(rows);
  if (identity()) return to_array(x.clone());
  const at::Tensor y = (x - to_tensor(mean_)).mm(to_tensor(projection_));
  return to_array((y / y.norm(2, 1, true).clamp_min(1e-12)).contiguous());
}

void Whitening::save(const std::string& path) const {
  if (identity()) {
    io::save_npz(path, {});
  } else {
    io::save_npz(path, {{"mean", mean_}, {"projection", projection_}});
  }
}

Whitening Whitening::load(const std::string& path) {
  const io::NpzArrays arrays = io::load_npz(path);
  Whitening w;
  if (arrays.empty()) return w;
  for (const auto& [name, a] : arrays) {
    if (name == "mean") w.mean_ = a;
    if (name == "projection") w.projection_ = a;
  }
  if (!w.mean_.defined() || !w.projection_.defined() || w.mean_.dtype() != DType::Float32 ||
      w.projection_.dtype() != DType::Float32 || w.mean_.dim() != 1 || w.projection_.dim() != 2 ||
      w.projection_.size(0) != w.mean_.size(0)) {
    throw ConfigError(fmt::format("{}: not a whitening (expected mean [D] and projection [D,d] float32)", path));
  }
  return w;
}

}  // namespace vidrep::retrieval
