#include "vidrep/track/anomaly_metrics.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

namespace vidrep::track {
namespace {

std::string file_name(const std::string& video) { return std::filesystem::path(video).filename().string(); }

std::ifstream open(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw OpenError(fmt::format("{}: cannot open the {}", path, what));
  return in;
}

}  // namespace

std::map<std::string, std::vector<AnomalyEvent>> load_anomaly_truth(const std::string& path) {
  std::ifstream in = open(path, "anomaly truth");
  std::map<std::string, std::vector<AnomalyEvent>> truth;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string video;
    AnomalyEvent e;
    if (!(fields >> video >> e.start >> e.end) || e.start < 0 || e.end <= e.start) {
      throw InvalidArgument(fmt::format("{}:{}: expected `video start_frame end_frame [type]` with 0 <= start < end, got '{}'",
                                        path, n, line));
    }
    fields >> e.type;
    truth[file_name(video)].push_back(e);
  }
  return truth;
}

std::map<std::string, VideoScores> load_anomaly_scores(const std::string& path) {
  std::ifstream in = open(path, "anomaly scores");
  std::map<std::string, VideoScores> out;
  std::map<std::string, std::pair<double, int64_t>> last;  // for the frame rate: (time, frame)
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {  // a syntax error, or a number out of range
      throw InvalidArgument(fmt::format("{}:{}: not a JSON line", path, n));
    }
    if (!j.is_object() || !j.contains("video") || !j.contains("frame") || !j.contains("score") ||
        !j["frame"].is_number_integer() || !j["score"].is_number() || j["frame"].get<int64_t>() < 0) {
      if (j.is_object() && !j.contains("frame")) continue;  // a summary line
      throw InvalidArgument(fmt::format("{}:{}: expected {{video, frame, time, score}}", path, n));
    }
    VideoScores& v = out[file_name(j["video"].get<std::string>())];
    const auto frame = j["frame"].get<int64_t>();
    if (frame > 100'000'000) throw InvalidArgument(fmt::format("{}:{}: frame {} is out of range", path, n, frame));
    if (static_cast<int64_t>(v.scores.size()) <= frame) v.scores.resize(static_cast<size_t>(frame + 1), std::nan(""));
    v.scores[static_cast<size_t>(frame)] = j["score"].get<double>();
    if (j.contains("time") && j["time"].is_number() && frame > 0) {
      v.fps = static_cast<double>(frame) / std::max(1e-9, j["time"].get<double>());
    }
  }
  return out;
}

double auroc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Mann-Whitney U: the sum of the positives' ranks (ties share the mean rank).
  double rank_sum = 0;
  int64_t pos = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (positive[order[k]]) rank_sum += rank, ++pos;
    }
    i = j;
  }
  const auto neg = static_cast<int64_t>(scores.size()) - pos;
  if (pos == 0 || neg == 0) return std::nan("");
  return (rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2.0) /
         (static_cast<double>(pos) * static_cast<double>(neg));
}

AnomalyMetrics evaluate_anomaly(const std::map<std::string, std::vector<AnomalyEvent>>& truth,
                                const std::map<std::string, VideoScores>& scores, double threshold, double gap) {
  AnomalyMetrics m;
  std::vector<double> all, all_raw;
  std::vector<bool> labels;
  double macro = 0;
  int macro_n = 0;
  double normal_seconds = 0;
  for (const auto& [name, v] : scores) {
    const auto it = truth.find(name);
    const std::vector<AnomalyEvent> none;
    const std::vector<AnomalyEvent>& events = it == truth.end() ? none : it->second;
    std::vector<bool> label(v.scores.size(), false);
    for (const AnomalyEvent& e : events) {
      for (int64_t f = e.start; f < std::min<int64_t>(e.end, static_cast<int64_t>(label.size())); ++f) label[static_cast<size_t>(f)] = true;
    }
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double s : v.scores) {
      if (!std::isnan(s)) lo = std::min(lo, s), hi = std::max(hi, s);
    }
    std::vector<double> mine;
    std::vector<bool> mine_labels;
    for (size_t f = 0; f < v.scores.size(); ++f) {
      if (std::isnan(v.scores[f])) continue;
      const double norm = hi > lo ? (v.scores[f] - lo) / (hi - lo) : 0.0;
      all.push_back(norm);
      all_raw.push_back(v.scores[f]);
      labels.push_back(label[f]);
      mine.push_back(norm);
      mine_labels.push_back(label[f]);
      ++m.frames;
      if (label[f]) {
        ++m.anomalous_frames;
      } else {
        normal_seconds += 1.0 / v.fps;
      }
    }
    ++m.videos;
    if (const double a = auroc(mine, mine_labels); !std::isnan(a)) macro += a, ++macro_n;
    // Alerts: runs above the threshold, joined across gaps shorter than `gap`.
    std::vector<std::pair<int64_t, int64_t>> alerts;
    const auto max_gap = static_cast<int64_t>(std::llround(gap * v.fps));
    for (size_t f = 0; f < v.scores.size(); ++f) {
      if (std::isnan(v.scores[f]) || v.scores[f] <= threshold) continue;
      const auto i = static_cast<int64_t>(f);
      if (!alerts.empty() && i - alerts.back().second <= max_gap) {
        alerts.back().second = i + 1;
      } else {
        alerts.emplace_back(i, i + 1);
      }
    }
    const auto overlaps = [](int64_t a0, int64_t a1, int64_t b0, int64_t b1) { return a0 < b1 && b0 < a1; };
    for (const AnomalyEvent& e : events) {
      const bool hit = std::any_of(alerts.begin(), alerts.end(), [&](const auto& a) { return overlaps(a.first, a.second, e.start, e.end); });
      ++m.events;
      m.detected += hit;
      auto& t = m.by_type[e.type.empty() ? "anomaly" : e.type];
      t.first += hit;
      ++t.second;
    }
    m.alert_frames[name] = alerts;
    for (const auto& a : alerts) {
      ++m.alerts;
      m.true_alerts += std::any_of(events.begin(), events.end(), [&](const AnomalyEvent& e) { return overlaps(a.first, a.second, e.start, e.end); });
    }
  }
  if (m.anomalous_frames == 0 || m.anomalous_frames == m.frames) {
    throw InvalidArgument(fmt::format("eval anomaly: AUROC needs both normal and anomalous frames ({} of {} anomalous); "
                                      "do the truth's video names match the scored videos?",
                                      m.anomalous_frames, m.frames));
  }
  m.micro_auroc = auroc(all, labels);
  m.raw_auroc = auroc(all_raw, labels);
  m.macro_auroc = macro_n > 0 ? macro / macro_n : std::nan("");
  m.recall = m.events > 0 ? static_cast<double>(m.detected) / static_cast<double>(m.events) : 0.0;
  m.precision = m.alerts > 0 ? static_cast<double>(m.true_alerts) / static_cast<double>(m.alerts) : 0.0;
  m.normal_minutes = normal_seconds / 60.0;
  m.false_per_10min = m.normal_minutes > 0 ? static_cast<double>(m.alerts - m.true_alerts) / (m.normal_minutes / 10.0) : 0.0;
  return m;
}

}  // namespace vidrep::track
