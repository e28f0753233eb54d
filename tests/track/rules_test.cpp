// Alert rules on generated tracks: each rule fires once, at the time it should, for the object
// that breaks it, and not for the objects that keep to it; zones files with mistakes are refused
// with the key named.
#include "vidrep/track/rules.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

namespace vidrep {
namespace {

constexpr double kFps = 25;

// Runs objects (id -> position of the box's bottom centre in fractions of a 640x480 picture, at
// time t, or nullopt while absent) for `seconds` through the rules; returns every alert.
std::vector<track::Alert> run(const std::string& zones, double seconds,
                              const std::map<int64_t, std::function<std::optional<track::Point>(double)>>& objects) {
  track::RuleEngine rules(track::RuleConfig::from_json(zones), 640, 480);
  std::vector<track::Alert> all;
  for (int64_t f = 0; f < static_cast<int64_t>(seconds * kFps); ++f) {
    const double t = static_cast<double>(f) / kFps;
    std::vector<track::Tracked> tracked;
    for (const auto& [id, at] : objects) {
      if (const auto p = at(t)) {
        tracked.push_back({id, {static_cast<float>((*p)[0] * 640 - 10), static_cast<float>((*p)[1] * 480 - 40), 20, 40}});
      }
    }
    for (track::Alert& a : rules.update(t, tracked)) all.push_back(std::move(a));
  }
  return all;
}

// x moving at `speed` widths per second from x0, at height y.
std::function<std::optional<track::Point>(double)> walk(double x0, double speed, double y = 0.5) {
  return [=](double t) { return track::Point{x0 + speed * t, y}; };
}

TEST(TrackRules, IntrusionOncePerEntryAfterMinSeconds) {
  // The zone is the right half of the picture; object 1 walks in at t = 2 s, object 2 stays left.
  const auto alerts = run(R"({"zones": [{"name": "door", "polygon": [[0.5,0],[1,0],[1,1],[0.5,1]], "intrusion": true}]})",
                          6, {{1, walk(0.3, 0.1)}, {2, walk(0.1, 0.02)}});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].type, "intrusion");
  EXPECT_EQ(alerts[0].zone, "door");
  EXPECT_EQ(alerts[0].track_ids, std::vector<int64_t>{1});
  EXPECT_NEAR(alerts[0].start, 2.0, 0.05);
  EXPECT_NEAR(alerts[0].end, 2.5, 0.05);  // min_seconds 0.5 by default
  // It leaves and comes back: a second entry is a second alert.
  const auto twice = run(R"({"zones": [{"polygon": [[0.5,0],[1,0],[1,1],[0.5,1]], "intrusion": true}]})", 8,
                         {{1, [](double t) { return track::Point{t < 3 ? 0.6 : (t < 5 ? 0.3 : 0.6), 0.5}; }}});
  ASSERT_EQ(twice.size(), 2u);
  EXPECT_EQ(twice[0].zone, "zone0");
  EXPECT_NEAR(twice[1].start, 5.0, 0.05);
}

TEST(TrackRules, LoiteringNeedsTheWholeDwellAndForgivesShortGaps) {
  const std::string zones = R"({"zones": [{"name": "bench", "polygon": [[0.2,0.2],[0.6,0.2],[0.6,0.8],[0.2,0.8]], "loiter_seconds": 8}]})";
  // 1 wanders inside for 12 s, missing from the tracker for 0.3 s at t = 5; 2 walks through in 4 s.
  const auto loiterer = [](double t) -> std::optional<track::Point> {
    if (t > 5 && t < 5.3) return std::nullopt;
    return track::Point{0.4 + 0.1 * std::sin(t), 0.5 + 0.1 * std::cos(t)};
  };
  const auto alerts = run(zones, 12, {{1, loiterer}, {2, walk(0.1, 0.1)}});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].type, "loitering");
  EXPECT_EQ(alerts[0].track_ids, std::vector<int64_t>{1});
  EXPECT_NEAR(alerts[0].start, 0.0, 0.05);
  EXPECT_NEAR(alerts[0].end, 8.0, 0.05);
  EXPECT_GE(alerts[0].score, 1.0);
}

TEST(TrackRules, WrongDirectionAndSpeedOnAWalkway) {
  const std::string zones =
      R"({"zones": [{"name": "walkway", "polygon": [[0,0.3],[1,0.3],[1,0.7],[0,0.7]], "direction": [1, 0], "max_speed": 0.3}]})";
  // 1 walks the right way, 2 the wrong way, 3 runs the right way, 4 stands (nearly) still.
  const auto alerts = run(zones, 3, {{1, walk(0.1, 0.1)}, {2, walk(0.9, -0.1)}, {3, walk(0.0, 0.5)},
                                     {4, [](double t) { return track::Point{0.5 - 0.001 * t, 0.5}; }}});
  ASSERT_EQ(alerts.size(), 2u);
  std::map<std::string, track::Alert> by_type;
  for (const auto& a : alerts) by_type[a.type] = a;
  EXPECT_EQ(by_type["wrong_direction"].track_ids, std::vector<int64_t>{2});
  EXPECT_NEAR(by_type["wrong_direction"].score, 1.0, 0.01);
  EXPECT_EQ(by_type["speed"].track_ids, std::vector<int64_t>{3});
  EXPECT_NEAR(by_type["speed"].score, 0.5 / 0.3, 0.05);
  // Velocity needs half a speed window (0.5 s), then min_seconds (0.5 s) of the condition.
  EXPECT_NEAR(by_type["speed"].end, 1.0, 0.1);
  // Outside the walkway nothing is judged.
  EXPECT_TRUE(run(zones, 3, {{5, walk(0.9, -0.1, 0.9)}}).empty());
}

TEST(TrackRules, PixelUnitsAndTheWholePicture) {
  // No polygon: the whole picture; pixels: 320 px/s is half the width per second.
  const auto alerts = run(R"({"units": "pixels", "zones": [{"max_speed": 200}]})", 2, {{7, walk(0.0, 0.5)}});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NEAR(alerts[0].score, 320.0 / 200.0, 0.05);
  EXPECT_TRUE(track::inside({{0, 0}, {10, 0}, {0, 10}}, {2, 2}));
  EXPECT_FALSE(track::inside({{0, 0}, {10, 0}, {0, 10}}, {8, 8}));
}

TEST(TrackRules, MistakesInTheZonesFileNameTheKey) {
  const auto message = [](const std::string& text) {
    return test::error_message<ConfigError>([&] { track::RuleConfig::from_json(text, "z.json"); });
  };
  EXPECT_NE(message(R"({"zones": [{"intrusoin": true}]})").find("unknown key 'intrusoin'"), std::string::npos);
  EXPECT_NE(message(R"({"zones": [{"polygon": [[0,0],[1,1]], "intrusion": true}]})").find("polygon"), std::string::npos);
  EXPECT_NE(message(R"({"zones": [{"name": "a"}]})").find("no rule"), std::string::npos);
  EXPECT_NE(message(R"({"units": "metres", "zones": []})").find("units"), std::string::npos);
  EXPECT_NE(message(R"({"zones": [{"direction": [0, 0]}]})").find("direction"), std::string::npos);
  EXPECT_NE(message("[1, 2").find("not JSON"), std::string::npos);
  EXPECT_NE(test::error_message<OpenError>([] { track::RuleConfig::load("/nonexistent/z.json"); }).find("/nonexistent/z.json"),
            std::string::npos);
}

}  // namespace
}  // namespace vidrep
