#include "vidrep/track/mot_metrics.h"

#include "vidrep/error.h"
#include "vidrep/track/tracker.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

namespace vidrep::track {

MotBoxes parse_mot(const std::string& text, const std::string& where) {
  MotBoxes out;
  std::istringstream lines(text);
  std::string line;
  for (int64_t n = 1; std::getline(lines, line); ++n) {
    if (line.empty() || line == "\r") continue;
    std::vector<double> v;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, ',');) {
      try {
        size_t used = 0;
        v.push_back(std::stod(field, &used));
      } catch (const std::exception&) {
        throw InvalidArgument(fmt::format("{}: line {}: '{}' is not a number", where, n, field));
      }
    }
    if (v.size() < 6 || v[0] < 1 || !(v[4] > 0) || !(v[5] > 0)) {
      throw InvalidArgument(fmt::format("{}: line {}: expected frame (from 1),id,x,y,w,h,...", where, n));
    }
    if (v.size() >= 7 && v[6] == 0) continue;  // a ground truth's "ignore" row
    out[static_cast<int64_t>(v[0])].push_back(
        {static_cast<int64_t>(v[1]), {static_cast<float>(v[2]), static_cast<float>(v[3]), static_cast<float>(v[4]), static_cast<float>(v[5])}});
  }
  return out;
}

MotBoxes load_mot(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OpenError(fmt::format("{}: cannot open", path));
  std::stringstream text;
  text << f.rdbuf();
  return parse_mot(text.str(), path);
}

MotMetrics evaluate_tracking(const MotBoxes& truth, const MotBoxes& result, float min_iou) {
  if (!(min_iou > 0 && min_iou <= 1)) throw InvalidArgument(fmt::format("--iou {}: expected in (0, 1]", min_iou));
  constexpr double kForbidden = 1e9;
  MotMetrics m;
  std::set<int64_t> frames, truth_ids, result_ids;
  for (const auto& [f, boxes] : truth) {
    frames.insert(f);
    m.truth_boxes += static_cast<int64_t>(boxes.size());
    for (const MotBox& b : boxes) truth_ids.insert(b.id);
  }
  for (const auto& [f, boxes] : result) {
    frames.insert(f);
    m.result_boxes += static_cast<int64_t>(boxes.size());
    for (const MotBox& b : boxes) result_ids.insert(b.id);
  }
  m.truth_ids = static_cast<int64_t>(truth_ids.size());
  m.result_ids = static_cast<int64_t>(result_ids.size());
  static const std::vector<MotBox> none;
  const auto boxes_of = [](const MotBoxes& all, int64_t f) -> const std::vector<MotBox>& {
    const auto it = all.find(f);
    return it == all.end() ? none : it->second;
  };
  std::map<int64_t, int64_t> last_match;               // truth id -> result id it last matched
  std::map<std::pair<int64_t, int64_t>, int64_t> shared;  // (truth id, result id) -> frames overlapping
  double iou_sum = 0;
  for (int64_t f : frames) {
    const std::vector<MotBox>& g = boxes_of(truth, f);
    const std::vector<MotBox>& h = boxes_of(result, f);
    std::vector<std::vector<double>> cost(g.size(), std::vector<double>(h.size(), kForbidden));
    for (size_t i = 0; i < g.size(); ++i) {
      for (size_t j = 0; j < h.size(); ++j) {
        const float o = iou(g[i].box, h[j].box);
        if (o < min_iou) continue;
        cost[i][j] = 1.0 - o;
        ++shared[{g[i].id, h[j].id}];
      }
    }
    // Correspondences of the previous frame that still hold are kept (cost below any other).
    for (size_t i = 0; i < g.size(); ++i) {
      const auto last = last_match.find(g[i].id);
      if (last == last_match.end()) continue;
      for (size_t j = 0; j < h.size(); ++j) {
        if (h[j].id == last->second && cost[i][j] < kForbidden) cost[i][j] -= 10;
      }
    }
    const std::vector<int> match = assign_least_cost(cost, kForbidden);
    int64_t matched = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      if (match[i] < 0) continue;
      const MotBox& hyp = h[static_cast<size_t>(match[i])];
      ++matched;
      iou_sum += iou(g[i].box, hyp.box);
      const auto last = last_match.find(g[i].id);
      if (last != last_match.end() && last->second != hyp.id) ++m.id_switches;
      last_match[g[i].id] = hyp.id;
    }
    m.matches += matched;
    m.misses += static_cast<int64_t>(g.size()) - matched;
    m.false_positives += static_cast<int64_t>(h.size()) - matched;
  }
  m.mota = m.truth_boxes > 0 ? 1.0 - static_cast<double>(m.misses + m.false_positives + m.id_switches) / m.truth_boxes : 0;
  m.motp = m.matches > 0 ? iou_sum / static_cast<double>(m.matches) : 0;
  // IDF1: one-to-one trajectories sharing the most frames.
  const std::vector<int64_t> gi(truth_ids.begin(), truth_ids.end()), hi(result_ids.begin(), result_ids.end());
  std::vector<std::vector<double>> cost(gi.size());
  for (size_t i = 0; i < gi.size(); ++i) {
    cost[i].assign(hi.size(), 0.0);
    for (size_t j = 0; j < hi.size(); ++j) {
      const auto it = shared.find({gi[i], hi[j]});
      if (it != shared.end()) cost[i][j] = -static_cast<double>(it->second);
    }
  }
  const std::vector<int> pair = assign_least_cost(cost, kForbidden);
  int64_t idtp = 0;
  for (size_t i = 0; i < gi.size(); ++i) {
    if (pair[i] >= 0) idtp += static_cast<int64_t>(-cost[i][static_cast<size_t>(pair[i])]);
  }
  const int64_t both = m.truth_boxes + m.result_boxes;
  m.idf1 = both > 0 ? 2.0 * static_cast<double>(idtp) / static_cast<double>(both) : 0;
  m.idp = m.result_boxes > 0 ? static_cast<double>(idtp) / static_cast<double>(m.result_boxes) : 0;
  m.idr = m.truth_boxes > 0 ? static_cast<double>(idtp) / static_cast<double>(m.truth_boxes) : 0;
  return m;
}

}  // namespace vidrep::track
