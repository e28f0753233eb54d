#include "vidrep/retrieval/collection.h"

#include "vidrep/error.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace vidrep::retrieval {

Duplicates find_duplicates(const VideoIndex& index, double threshold, const SearchOptions& search) {
  const auto n = static_cast<int64_t>(index.videos().size());
  SearchOptions options = search;
  options.k = std::max<int64_t>(1, n - 1);
  std::map<std::pair<int64_t, int64_t>, SearchHit> best;
  for (int64_t v = 0; v < n; ++v) {
    for (const SearchHit& hit : index.search_indexed(v, options)) {
      if (hit.score < threshold) continue;
      const auto key = std::minmax(v, hit.video);
      auto it = best.find(key);
      if (it == best.end() || hit.score > it->second.score) best[key] = hit;
    }
  }
  // Union-find over the pairs.
  std::vector<int64_t> parent(static_cast<size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  const auto root = [&](int64_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  Duplicates out;
  for (const auto& [key, hit] : best) {
    parent[root(key.second)] = root(key.first);
    out.pairs.push_back({key.first, key.second, hit});
  }
  std::map<int64_t, std::vector<int64_t>> groups;
  for (int64_t v = 0; v < n; ++v) groups[root(v)].push_back(v);
  for (auto& [r, members] : groups) {
    if (members.size() > 1) out.clusters.push_back(std::move(members));
  }
  std::stable_sort(out.clusters.begin(), out.clusters.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::vector<Recommendation> recommend(const VideoIndex& index, const std::vector<int64_t>& history,
                                      const RecommendOptions& options) {
  const auto n = static_cast<int64_t>(index.videos().size());
  if (history.empty()) throw InvalidArgument("--history: no videos given");
  if (options.k < 1) throw InvalidArgument(fmt::format("--k {}: expected at least 1", options.k));
  if (!(options.diversity >= 0 && options.diversity <= 1)) {
    throw InvalidArgument(fmt::format("--diversity {}: expected a value in [0, 1]", options.diversity));
  }
  std::vector<at::Tensor> rows;
  for (int64_t v = 0; v < n; ++v) rows.push_back(to_tensor(index.video_embedding(v)));
  const at::Tensor videos = at::stack(rows);  // [n, dim], unit rows
  const std::set<int64_t> seen(history.begin(), history.end());
  at::Tensor profile = at::zeros({index.dim()}, at::kFloat);
  for (int64_t h : history) {
    if (h < 0 || h >= n) throw InvalidArgument(fmt::format("--history: video {} is not in the index", h));
    profile += videos[h];
  }
  profile = profile / profile.norm().clamp_min(1e-12);
  const at::Tensor relevance_t = videos.mv(profile).contiguous();
  const at::Tensor similarity_t = videos.mm(videos.t()).contiguous();
  const float* relevance = relevance_t.data_ptr<float>();
  const float* similarity = similarity_t.data_ptr<float>();

  std::vector<Recommendation> out;
  std::vector<int64_t> candidates;
  for (int64_t v = 0; v < n; ++v) {
    if (!seen.count(v)) candidates.push_back(v);
  }
  std::vector<double> closest(static_cast<size_t>(n), -1.0);  // largest similarity to a pick so far
  while (static_cast<int64_t>(out.size()) < options.k && !candidates.empty()) {
    size_t pick = 0;
    double pick_mmr = 0;
    for (size_t c = 0; c < candidates.size(); ++c) {
      const int64_t v = candidates[c];
      const double penalty = out.empty() ? 0.0 : closest[v];
      const double mmr = (1 - options.diversity) * relevance[v] - options.diversity * penalty;
      if (c == 0 || mmr > pick_mmr) {
        pick = c;
        pick_mmr = mmr;
      }
    }
    const int64_t v = candidates[pick];
    out.push_back({v, index.videos()[v].path, relevance[v], pick_mmr});
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
    for (int64_t c : candidates) closest[c] = std::max(closest[c], double(similarity[c * n + v]));
  }
  return out;
}

}  // namespace vidrep::retrieval
