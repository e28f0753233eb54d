#include "retrieval_cli.h"

#include <fmt/format.h>

#include <algorithm>

namespace vidrep::cli {

retrieval::IndexProgress file_progress(ProgressBar& bar, const std::string& verb) {
  return [&bar, verb](int64_t done, int64_t total, const std::string& path) {
    bar.update(static_cast<double>(done) / static_cast<double>(total), fmt::format("{} {}/{}  {}", verb, done, total, path));
  };
}

void report_skipped(const std::vector<retrieval::SkippedVideo>& skipped, bool json) {
  for (const auto& s : skipped) {
    if (json) fmt::print("{}\n", nlohmann::json{{"path", s.path}, {"skipped", s.reason}}.dump());
    else fmt::print(stderr, "vidrep: skipped {}: {}\n", s.path, s.reason);
  }
}

bool any_unreadable(const std::vector<retrieval::SkippedVideo>& skipped) {
  return std::any_of(skipped.begin(), skipped.end(),
                     [](const retrieval::SkippedVideo& s) { return s.reason != retrieval::kAlreadyIndexed; });
}

std::string hit_text(const retrieval::SearchHit& hit) {
  return fmt::format("{:.3f}  {}  query {:.1f}-{:.1f} s = ref {:.1f}-{:.1f} s", hit.score, hit.path, hit.query_start,
                     hit.query_end, hit.ref_start, hit.ref_end);
}

}  // namespace vidrep::cli
