#include "vidrep/retrieval/evaluate.h"

#include "vidrep/error.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace vidrep::retrieval {

namespace fs = std::filesystem;

namespace {

double iou(double a0, double a1, double b0, double b1) {
  const double inter = std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
  const double uni = std::max(a1, b1) - std::min(a0, b0);
  return uni > 0 ? inter / uni : 0.0;
}

// Average precision of a ranked list of hits (true/false) with `positives` to find.
double average_precision(const std::vector<bool>& ranked, int64_t positives) {
  if (positives == 0) return 0;
  double sum = 0;
  int64_t found = 0;
  for (size_t r = 0; r < ranked.size(); ++r) {
    if (ranked[r]) sum += static_cast<double>(++found) / static_cast<double>(r + 1);
  }
  return sum / static_cast<double>(positives);
}

}  // namespace

std::vector<TruthCopy> load_truth(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw OpenError(fmt::format("{}: cannot read the ground truth", path));
  const fs::path base = fs::path(path).parent_path();
  const auto locate = [&](const std::string& p) {
    return resolved_path(fs::path(p).is_absolute() ? p : (base / p).string());
  };
  std::vector<TruthCopy> out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.empty() || f[0][0] == '#') continue;
    const std::string where = fmt::format("{}:{}", path, number);
    if (f.size() != 2 && f.size() < 6) {
      throw ConfigError(fmt::format("{}: expected 'query ref' or 'query ref q_start q_end r_start r_end'", where));
    }
    TruthCopy t;
    t.query = locate(f[0]);
    if (f[1] != "-") t.ref = locate(f[1]);
    if (f.size() >= 6 && f[2] != "-" && !t.ref.empty()) {
      try {
        t.query_start = std::stod(f[2]);
        t.query_end = std::stod(f[3]);
        t.ref_start = std::stod(f[4]);
        t.ref_end = std::stod(f[5]);
      } catch (const std::exception&) {
        throw ConfigError(fmt::format("{}: the four times must be numbers (seconds) or '-'", where));
      }
      t.has_segment = true;
    }
    out.push_back(std::move(t));
  }
  return out;
}

RetrievalMetrics evaluate_retrieval(const std::vector<QueryResults>& results, const std::vector<TruthCopy>& truth) {
  // query -> its true refs (with their segments)
  std::map<std::string, std::map<std::string, const TruthCopy*>> copies;
  for (const TruthCopy& t : truth) {
    auto& refs = copies[t.query];
    if (!t.ref.empty()) refs[t.ref] = &t;
  }
  std::map<std::string, const QueryResults*> by_query;
  for (const QueryResults& r : results) by_query[resolved_path(r.query)] = &r;

  RetrievalMetrics m;
  struct Scored {
    double score;
    bool pair_true;
    bool segment_true;
  };
  std::vector<Scored> pooled;
  double ap_sum = 0;
  int64_t hit1 = 0, hit5 = 0, hit10 = 0;
  for (const auto& [query, refs] : copies) {
    ++m.queries;
    m.true_pairs += static_cast<int64_t>(refs.size());
    const auto found = by_query.find(query);
    std::vector<bool> ranked;
    std::set<std::string> counted;  // a ref found twice counts once
    int64_t first_true = -1;
    if (found != by_query.end()) {
      for (const ScoredRef& s : found->second->refs) {
        const std::string ref = resolved_path(s.ref);
        const auto t = refs.find(ref);
        const bool is_true = t != refs.end() && counted.insert(ref).second;
        bool segment = false;
        if (is_true) {
          const TruthCopy& c = *t->second;
          segment = !c.has_segment || (iou(s.query_start, s.query_end, c.query_start, c.query_end) >= 0.5 &&
                                       iou(s.ref_start, s.ref_end, c.ref_start, c.ref_end) >= 0.5);
          if (first_true < 0) first_true = static_cast<int64_t>(ranked.size());
        }
        ranked.push_back(is_true);
        pooled.push_back({s.score, is_true, is_true && segment});
      }
    }
    if (refs.empty()) continue;
    ++m.positive_queries;
    ap_sum += average_precision(ranked, static_cast<int64_t>(refs.size()));
    if (first_true >= 0 && first_true < 1) ++hit1;
    if (first_true >= 0 && first_true < 5) ++hit5;
    if (first_true >= 0 && first_true < 10) ++hit10;
  }
  if (m.positive_queries > 0) {
    const auto q = static_cast<double>(m.positive_queries);
    m.recall_at_1 = static_cast<double>(hit1) / q;
    m.recall_at_5 = static_cast<double>(hit5) / q;
    m.recall_at_10 = static_cast<double>(hit10) / q;
    m.map = ap_sum / q;
  }
  std::stable_sort(pooled.begin(), pooled.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<bool> pairs, segments;
  for (const Scored& s : pooled) {
    pairs.push_back(s.pair_true);
    segments.push_back(s.segment_true);
  }
  m.micro_ap = average_precision(pairs, m.true_pairs);
  m.segment_ap = average_precision(segments, m.true_pairs);
  return m;
}

}  // namespace vidrep::retrieval
