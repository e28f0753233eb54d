// How tracking results are written in JSON (`vidrep track`, `vidrep watch`, ALERTS/alerts.jsonl,
// the web app): boxes as [x, y, w, h] in the video's pixels, to 0.01; an alert as one object.
#pragma once

#include "vidrep/track/rules.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace vidrep::track {

inline double round2(double x) { return std::round(x * 100) / 100; }

inline nlohmann::json box_json(const Box& b) { return {round2(b.x), round2(b.y), round2(b.w), round2(b.h)}; }

// {kind: "alert", type, zone, start, end, score, track_ids, boxes, clip, thumbnail}.
inline nlohmann::json alert_json(const Alert& a, const std::string& clip, const std::string& thumbnail) {
  nlohmann::json boxes = nlohmann::json::array();
  for (const Box& b : a.boxes) boxes.push_back(box_json(b));
  return {{"kind", "alert"}, {"type", a.type}, {"zone", a.zone}, {"start", round2(a.start)}, {"end", round2(a.end)},
          {"score", std::round(a.score * 1e4) / 1e4}, {"track_ids", a.track_ids}, {"boxes", boxes},
          {"clip", clip}, {"thumbnail", thumbnail}};
}

}  // namespace vidrep::track
