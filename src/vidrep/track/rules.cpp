#include "vidrep/track/rules.h"

#include "vidrep/config_json.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace vidrep::track {
namespace {

using nlohmann::json;

enum Rule { kIntrusion, kLoitering, kWrongDirection, kSpeed };
constexpr const char* kRuleNames[] = {"intrusion", "loitering", "wrong_direction", "speed"};

void only_keys(const json& j, std::initializer_list<const char*> known, const std::string& what) {
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      throw ConfigError(fmt::format("{}: unknown key '{}'", what, key));
    }
  }
}

Point read_point(const json& j, const std::string& what) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number()) {
    throw ConfigError(fmt::format("{}: expected a point [x, y], got {}", what, j.dump()));
  }
  return {j[0].get<double>(), j[1].get<double>()};
}

Zone read_zone(const json& j, const std::string& what) {
  if (!j.is_object()) throw ConfigError(fmt::format("{}: expected an object, got {}", what, j.dump()));
  only_keys(j, {"name", "polygon", "intrusion", "loiter_seconds", "direction", "min_speed", "max_speed"}, what);
  Zone z;
  read_key(j, what.c_str(), "name", z.name);
  read_key(j, what.c_str(), "intrusion", z.intrusion);
  read_key(j, what.c_str(), "loiter_seconds", z.loiter_seconds);
  read_key(j, what.c_str(), "min_speed", z.min_speed);
  read_key(j, what.c_str(), "max_speed", z.max_speed);
  if (j.contains("polygon")) {
    const json& p = j["polygon"];
    require_key(p.is_array() && p.size() >= 3, what.c_str(), "polygon", "expected at least 3 points [x, y]");
    for (size_t i = 0; i < p.size(); ++i) z.polygon.push_back(read_point(p[i], fmt::format("{}: polygon point {}", what, i)));
  }
  if (j.contains("direction")) {
    const Point d = read_point(j["direction"], what + ": key 'direction'");
    require_key(std::hypot(d[0], d[1]) > 0, what.c_str(), "direction", "expected a non-zero vector");
    z.direction = d;
  }
  require_key(z.loiter_seconds >= 0, what.c_str(), "loiter_seconds", "expected >= 0");
  require_key(z.max_speed >= 0, what.c_str(), "max_speed", "expected >= 0");
  require_key(z.min_speed >= 0 || z.min_speed == -1, what.c_str(), "min_speed", "expected >= 0");
  require_key(z.intrusion || z.loiter_seconds > 0 || z.direction || z.max_speed > 0, what.c_str(), "name",
              "the zone has no rule (intrusion, loiter_seconds, direction or max_speed)");
  return z;
}

double length(Point p) { return std::hypot(p[0], p[1]); }

}  // namespace

bool inside(const std::vector<Point>& polygon, Point p) {
  if (polygon.empty()) return true;
  bool in = false;
  for (size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    const Point& a = polygon[i];
    const Point& b = polygon[j];
    if ((a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) in = !in;
  }
  return in;
}

RuleConfig RuleConfig::from_json(const std::string& text, const std::string& what) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number out of range
    throw ConfigError(fmt::format("{}: not JSON: {}", what, e.what()));
  }
  if (!j.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object", what));
  only_keys(j, {"units", "min_seconds", "speed_window", "zones"}, what);
  RuleConfig c;
  read_key(j, what.c_str(), "units", c.units);
  read_key(j, what.c_str(), "min_seconds", c.min_seconds);
  read_key(j, what.c_str(), "speed_window", c.speed_window);
  require_key(c.units == "fraction" || c.units == "pixels", what.c_str(), "units", "expected \"fraction\" or \"pixels\"");
  require_key(c.min_seconds >= 0, what.c_str(), "min_seconds", "expected >= 0");
  require_key(c.speed_window > 0, what.c_str(), "speed_window", "expected > 0");
  require_key(j.contains("zones") && j["zones"].is_array(), what.c_str(), "zones", "expected a list of zones");
  for (size_t i = 0; i < j["zones"].size(); ++i) {
    Zone z = read_zone(j["zones"][i], fmt::format("{}: zone {}", what, i));
    if (z.name.empty()) z.name = fmt::format("zone{}", i);
    c.zones.push_back(std::move(z));
  }
  return c;
}

RuleConfig RuleConfig::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw OpenError(fmt::format("{}: cannot open the zones file", path));
  std::stringstream text;
  text << f.rdbuf();
  return from_json(text.str(), path);
}

RuleEngine::RuleEngine(RuleConfig config, int width, int height) : config_(std::move(config)) {
  if (width < 1 || height < 1) throw InvalidArgument(fmt::format("rules: expected a picture size, got {}x{}", width, height));
  const bool fraction = config_.units == "fraction";
  sx_ = fraction ? width : 1.0;
  sy_ = fraction ? height : 1.0;
  for (Zone& z : config_.zones) {
    for (Point& p : z.polygon) p = {p[0] * sx_, p[1] * sy_};
    // Speeds: in the units per second, the x scale for both axes (a fraction of the width).
    z.max_speed *= sx_;
    z.min_speed = z.min_speed < 0 ? 0.05 * width : z.min_speed * sx_;
  }
}

bool RuleEngine::step(Condition& c, bool holds, double time, double hold_for) {
  if (holds) {
    // A gap shorter than min_seconds (a missed detection, jitter at a zone's edge) is forgiven.
    if (c.since < 0 || time - c.last_true > config_.min_seconds) {
      c.since = time;
      c.alerted = false;
    }
    c.last_true = time;
    if (!c.alerted && time - c.since >= hold_for) {
      c.alerted = true;
      return true;
    }
  }
  return false;
}

std::vector<Alert> RuleEngine::update(double time, const std::vector<Tracked>& objects) {
  std::vector<Alert> alerts;
  for (const Tracked& t : objects) {
    History& h = history_[t.id];
    const Point at{t.box.x + t.box.w / 2.0, t.box.y + t.box.h};
    h.points.emplace_back(time, at);
    h.last_seen = time;
    while (h.points.size() > 2 && time - h.points[1].first >= config_.speed_window) h.points.erase(h.points.begin());
    // Velocity over the window, once the track has been seen for half of it.
    Point v{0, 0};
    const double dt = time - h.points.front().first;
    const bool moving = dt >= config_.speed_window / 2;
    if (moving) v = {(at[0] - h.points.front().second[0]) / dt, (at[1] - h.points.front().second[1]) / dt};
    const double speed = length(v);
    for (size_t zi = 0; zi < config_.zones.size(); ++zi) {
      const Zone& z = config_.zones[zi];
      const bool in = inside(z.polygon, at);
      const auto raise = [&](Rule rule, double since, double score) {
        alerts.push_back({kRuleNames[rule], z.name, since, time, score, {t.id}, {t.box}});
      };
      if (z.intrusion) {
        Condition& c = conditions_[{t.id, zi, kIntrusion}];
        if (step(c, in, time, config_.min_seconds)) raise(kIntrusion, c.since, 1.0);
      }
      if (z.loiter_seconds > 0) {
        Condition& c = conditions_[{t.id, zi, kLoitering}];
        if (step(c, in, time, z.loiter_seconds)) raise(kLoitering, c.since, (time - c.since) / z.loiter_seconds);
      }
      if (z.direction) {
        const Point& d = *z.direction;
        const double cosine = moving && speed > 0 ? (v[0] * d[0] + v[1] * d[1]) / (speed * length(d)) : 1.0;
        Condition& c = conditions_[{t.id, zi, kWrongDirection}];
        if (step(c, in && speed >= z.min_speed && cosine < -0.5, time, config_.min_seconds)) {
          raise(kWrongDirection, c.since, -cosine);
        }
      }
      if (z.max_speed > 0) {
        Condition& c = conditions_[{t.id, zi, kSpeed}];
        if (step(c, in && moving && speed > z.max_speed, time, config_.min_seconds)) raise(kSpeed, c.since, speed / z.max_speed);
      }
    }
  }
  // Forget tracks gone for a while (the tracker will not bring them back).
  for (auto it = history_.begin(); it != history_.end();) {
    if (time - it->second.last_seen > 10.0) {
      const int64_t id = it->first;
      std::erase_if(conditions_, [id](const auto& kv) { return std::get<0>(kv.first) == id; });
      it = history_.erase(it);
    } else {
      ++it;
    }
  }
  return alerts;
}

}  // namespace vidrep::track
