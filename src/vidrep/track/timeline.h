// A timeline picture of one video's anomaly scores for reports (`vidrep eval anomaly --timeline`):
// the score over time, the alert threshold (dashed), the ground truth's events (shaded, labelled
// with their type) and the alerts (bars under the curve). Self-contained SVG, no scripts.
//
//   std::string svg = track::timeline_svg({.title = "test_000.mp4", .scores = s, .fps = 25,
//                                                   .threshold = 12.2, .truth = events, .alerts = alerts});
#pragma once

#include <string>
#include <vector>

namespace vidrep::track {

struct TimelineSpan {
  double start = 0, end = 0;  // seconds
  std::string label;
};

struct Timeline {
  std::string title;
  std::vector<double> scores;  // per frame (NaN: missing)
  double fps = 25;
  double threshold = 0;
  std::vector<TimelineSpan> truth, alerts;
};

std::string timeline_svg(const Timeline& timeline);

// Writes timeline_svg() to `path` through a temporary name. Throws WriteError.
void write_timeline(const std::string& path, const Timeline& timeline);

}  // namespace vidrep::track
