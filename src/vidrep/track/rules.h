// Alert rules on tracked objects (`vidrep watch --zones Z.json`): zone intrusion, loitering, wrong
// direction and speed, each bound to a polygon of the picture. Free of LibTorch (the I/O core).
//
//   track::RuleEngine rules(track::RuleConfig::load("zones.json"), width, height);
//   for (each frame) for (const track::Alert& a : rules.update(time, tracked)) ... a.type, a.track_ids
//
// Zones file (every key but "zones" optional; a zone without "polygon" is the whole picture):
//
//   {"units": "fraction", "min_seconds": 0.5,
//    "zones": [{"name": "door", "polygon": [[0.7, 0], [1, 0], [1, 0.4], [0.7, 0.4]], "intrusion": true},
//              {"name": "bench", "polygon": [...], "loiter_seconds": 20},
//              {"name": "walkway", "polygon": [...], "direction": [1, 0], "max_speed": 0.3}]}
//
// "units" is "fraction" (x in widths, y in heights of the picture: the same file fits every
// resolution) or "pixels"; speeds are in those units per second. An object's position is the
// bottom centre of its box (where it stands). A condition alerts once it has held for
// `min_seconds` (loitering: once the object has been in the zone for `loiter_seconds`), once per
// object and zone until the condition has ended:
//   intrusion        the object is inside the zone;
//   loitering        the object has stayed inside the zone (its time there, gaps under
//                    `min_seconds` forgiven);
//   wrong_direction  inside the zone, it moves (faster than `min_speed`) more than 120 degrees off
//                    the zone's `direction`;
//   speed            inside the zone, it moves faster than `max_speed`.
// Velocities are measured over the last `speed_window` seconds of the track.
#pragma once

#include "vidrep/track/tracker.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace vidrep::track {

using Point = std::array<double, 2>;

struct Zone {
  std::string name;
  std::vector<Point> polygon;          // empty: the whole picture
  bool intrusion = false;
  double loiter_seconds = 0;           // 0: no loitering rule
  std::optional<Point> direction;      // the allowed direction (any length)
  double min_speed = -1;               // wrong direction below this speed is not reported; -1: 5 % of the width per second
  double max_speed = 0;                // 0: no speed rule
};

struct RuleConfig {
  std::string units = "fraction";  // or "pixels"
  double min_seconds = 0.5;
  double speed_window = 1.0;
  std::vector<Zone> zones;

  // Throws ConfigError naming the file and the key (an unknown key too: a typo must not
  // silently disable a rule).
  static RuleConfig from_json(const std::string& text, const std::string& what = "zones");
  static RuleConfig load(const std::string& path);
};

struct Alert {
  std::string type;  // "intrusion", "loitering", "wrong_direction", "speed" (watch adds "anomaly")
  std::string zone;
  double start = 0, end = 0;  // seconds: when the condition began, when it alerted
  double score = 0;           // how far past the rule: 1 for intrusion, dwell / limit, speed / limit, -cos
  std::vector<int64_t> track_ids;
  std::vector<Box> boxes;     // the objects' boxes at `end`
};

class RuleEngine {
 public:
  // Zones in config.units, scaled to a width x height picture (the boxes' pixels).
  RuleEngine(RuleConfig config, int width, int height);
  // One frame's tracked objects (boxes in pixels) at `time` -> the alerts raised now.
  std::vector<Alert> update(double time, const std::vector<Tracked>& objects);

 private:
  struct Condition {
    double since = -1;      // when it began holding (-1: not holding)
    double last_true = -1;  // the last time it held
    bool alerted = false;
  };
  struct History {
    std::vector<std::pair<double, Point>> points;  // (time, position) over the speed window
    double last_seen = 0;
  };
  // The condition (track, zone, rule) after this frame; returns true when it alerts now.
  bool step(Condition& c, bool holds, double time, double hold_for);

  RuleConfig config_;
  double sx_, sy_;  // config units -> pixels
  std::map<int64_t, History> history_;
  std::map<std::tuple<int64_t, size_t, int>, Condition> conditions_;
};

// Whether `p` lies inside `polygon` (even-odd rule; an empty polygon holds every point).
bool inside(const std::vector<Point>& polygon, Point p);

}  // namespace vidrep::track
