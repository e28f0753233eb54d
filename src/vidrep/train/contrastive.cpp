#include "vidrep/train/contrastive.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <limits>

namespace vidrep {

namespace {

void check_pairs(const at::Tensor& z, const char* what) {
  if (!z.defined() || z.dim() != 2 || z.size(0) < 2 || z.size(0) % 2 != 0) {
    throw InvalidArgument(fmt::format("{}: expected [2B,D] embeddings (two views of B clips), got {}", what, describe(z)));
  }
}

// [2B,2B] cosine similarities with the diagonal (each row with itself) at -inf, and each row's pair.
std::pair<at::Tensor, at::Tensor> similarities(const at::Tensor& z) {
  const int64_t n = z.size(0), b = n / 2;
  at::Tensor sim = at::matmul(z, z.t());
  sim = sim.masked_fill(at::eye(n, at::TensorOptions().dtype(at::kBool)), -std::numeric_limits<float>::infinity());
  const at::Tensor pair = at::arange(n, at::kLong).add_(b).remainder_(n);
  return {sim, pair};
}

}  // namespace

at::Tensor info_nce(const at::Tensor& z, double temperature) {
  check_pairs(z, "info_nce");
  auto [sim, pair] = similarities(z);
  return at::cross_entropy_loss(sim / temperature, pair);
}

at::Tensor koleo(const at::Tensor& z) {
  check_pairs(z, "koleo");
  const int64_t n = z.size(0);
  if (n < 4) return at::zeros({}, z.options());  // no row other than a pair
  auto [sim, pair] = similarities(z);
  sim = sim.scatter(1, pair.unsqueeze(1), -std::numeric_limits<float>::infinity());
  // For unit rows, |a - b|^2 = 2 - 2 cos: the nearest row is the most similar one.
  const at::Tensor nearest = std::get<0>(sim.max(1));
  return -at::log((2 - 2 * nearest).clamp_min(0).sqrt() + 1e-8).mean();
}

int64_t pair_hits(const at::Tensor& z) {
  check_pairs(z, "pair_hits");
  auto [sim, pair] = similarities(z);
  return sim.argmax(1).eq(pair).sum().item<int64_t>();
}

double pair_accuracy(const at::Tensor& a, const at::Tensor& b) {
  if (!a.defined() || !b.defined() || a.dim() != 2 || a.sizes() != b.sizes() || a.size(0) == 0) {
    throw InvalidArgument(fmt::format("pair_accuracy: expected two [N,D] views, got {} and {}", describe(a), describe(b)));
  }
  const at::Tensor sim = at::matmul(a, b.t());
  const at::Tensor own = at::arange(a.size(0), at::kLong);
  const double hits = sim.argmax(1).eq(own).sum().item<double>() + sim.argmax(0).eq(own).sum().item<double>();
  return hits / static_cast<double>(2 * a.size(0));
}

}  // namespace vidrep
