#include "vidrep/retrieval/matching.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

namespace vidrep::retrieval {

SegmentMatch best_segment(const at::Tensor& sim, const MatchOptions& options) {
  if (!sim.defined() || sim.dim() != 2 || sim.scalar_type() != at::kFloat) {
    throw InvalidArgument(fmt::format("similarity matrix: expected [n,m] float32, got {}",
                                      sim.defined() ? describe(sim) : "nothing"));
  }
  const int64_t n = sim.size(0), m = sim.size(1);
  if (n == 0 || m == 0) return {};
  const at::Tensor s = sim.contiguous();
  const float* sp = s.data_ptr<float>();
  const int64_t k = std::min(options.top_k, m);
  const auto [values, indices] = s.topk(k, 1);
  const at::Tensor v = values.contiguous(), ix = indices.contiguous();

  // Proposed lines: (speed index, offset in half rows).
  std::set<std::pair<size_t, int64_t>> lines;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < k; ++c) {
      if (v.data_ptr<float>()[i * k + c] <= options.min_similarity) continue;
      const auto j = static_cast<double>(ix.data_ptr<int64_t>()[i * k + c]);
      for (size_t a = 0; a < kSpeeds.size(); ++a) {
        lines.insert({a, std::llround(2 * (j - kSpeeds[a] * static_cast<double>(i)))});
      }
    }
  }
  SegmentMatch best;
  double best_total = 0;
  double best_sum = 0;
  for (const auto& [a, half_offset] : lines) {
    const double speed = kSpeeds[a], offset = static_cast<double>(half_offset) / 2;
    const auto ref_row = [&](int64_t i) { return std::llround(speed * static_cast<double>(i) + offset); };
    // Kadane's maximum-sum run of (similarity - min_similarity) along the line; rows whose line
    // leaves the reference count as unmatched.
    double run = 0, run_sum = 0;
    int64_t run_first = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j = ref_row(i);
      const double similarity = j >= 0 && j < m ? sp[i * m + j] : 0.0;
      if (run <= 0) {
        run = 0;
        run_sum = 0;
        run_first = i;
      }
      run += similarity - options.min_similarity;
      run_sum += similarity;
      if (run > best_total) {
        best_total = run;
        best_sum = run_sum;
        best.length = i - run_first + 1;
        best.speed = speed;
        best.query_first = run_first;
        best.query_last = i;
        best.ref_first = std::clamp<int64_t>(ref_row(run_first), 0, m - 1);
        best.ref_last = std::clamp<int64_t>(ref_row(i), 0, m - 1);
      }
    }
  }
  if (best.length == 0) return {};
  best.score = best_sum / static_cast<double>(best.length + 1);
  return best;
}

}  // namespace vidrep::retrieval
