// The surveillance synthesiser's layout and ground truth; learned normality scoring an inserted
// anomaly (a walker going the wrong way) above the normal frames, the same after the run is saved
// and loaded; the density telling lanes apart within a cell; the anomaly metrics against
// hand-worked values; and the commands end to end.
#include "vidrep/track/anomaly.h"
#include "vidrep/track/anomaly_metrics.h"
#include "vidrep/track/mot_metrics.h"
#include "vidrep/track/synth_scene.h"
#include "vidrep/track/timeline.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// Two normal scenes and one whose anomaly (seed 3) is a walker going the wrong way from 8 s.
const std::string& scenes() {
  static const std::string out = [] {
    const std::string dir = test::scratch_dir("surveillance") + "/set";
    track::synth_surveillance({.out = dir, .width = 320, .height = 180, .seconds = 30, .normal = 2, .test = 1, .seed = 3});
    return dir;
  }();
  return out;
}

TEST(SynthSurveillance, ScenesTruthAndTracks) {
  const fs::path out = scenes();
  for (const char* f : {"normal/normal_000.mp4", "normal/normal_001.mp4", "test/test_000.mp4", "normal/normal_000.gt.txt",
                        "test/test_000.gt.txt", "truth.tsv", "normal.txt", "test.txt"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  EXPECT_EQ(test::ffprobe_frame_count((out / "test/test_000.mp4").string()), 750);
  const auto truth = track::load_anomaly_truth((out / "truth.tsv").string());
  ASSERT_EQ(truth.size(), 1u);
  const auto& events = truth.at("test_000.mp4");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "wrong_direction");
  EXPECT_EQ(events[0].start, 200);  // 8 s at 25 fps
  // Ground-truth tracks: every frame has walkers, boxes inside the picture.
  const track::MotBoxes gt = track::load_mot((out / "test/test_000.gt.txt").string());
  EXPECT_EQ(gt.size(), 750u);
  for (const auto& [frame, boxes] : gt) {
    for (const auto& b : boxes) {
      EXPECT_GE(b.box.x, 0);
      EXPECT_LE(b.box.x + b.box.w, 320.01);
    }
  }
  // The same seed, the same scenes; a non-empty folder is refused.
  const std::string again = test::scratch_dir("surveillance_again") + "/set";
  track::synth_surveillance({.out = again, .width = 320, .height = 180, .seconds = 30, .normal = 0, .test = 1, .seed = 3});
  EXPECT_NE(test::read_bytes(again + "/test/test_000.gt.txt"), "");
  EXPECT_NE(test::error_message<InvalidArgument>([&] { track::synth_surveillance({.out = again, .seconds = 30}); }).find("not empty"),
            std::string::npos);
  EXPECT_THROW(track::synth_surveillance({.out = again + "x", .seconds = 5}), InvalidArgument);
}

TEST(Anomaly, WrongWayWalkerScoresAboveNormalFrames) {
  const fs::path out = scenes();
  const std::string run = test::scratch_dir("anomaly_run") + "/run";
  const track::AnomalyModel m = track::train_anomaly(
      {.videos = {(out / "normal/normal_000.mp4").string(), (out / "normal/normal_001.mp4").string()}, .out = run});
  EXPECT_EQ(m.train_videos, 1);
  EXPECT_EQ(m.holdout_videos, 1);
  EXPECT_GT(m.samples, 1000);
  EXPECT_GT(m.threshold, 0);
  const std::vector<track::FrameScore> scores = track::score_video(m, (out / "test/test_000.mp4").string(), 1);
  ASSERT_EQ(scores.size(), 750u);
  std::map<std::string, track::VideoScores> by_video;
  for (const auto& s : scores) by_video["test_000.mp4"].scores.push_back(s.score);
  const track::AnomalyMetrics metrics =
      track::evaluate_anomaly(track::load_anomaly_truth((out / "truth.tsv").string()), by_video, m.threshold);
  EXPECT_GT(metrics.micro_auroc, 0.85);
  // Saved and loaded, the run scores the same.
  const track::AnomalyModel loaded = track::AnomalyModel::load(run);
  EXPECT_EQ(loaded.threshold, m.threshold);
  EXPECT_EQ(loaded.stops, m.stops);
  const std::vector<track::FrameScore> again = track::score_video(loaded, (out / "test/test_000.mp4").string(), 1);
  for (size_t i = 0; i < scores.size(); i += 50) EXPECT_NEAR(again[i].score, scores[i].score, 1e-4) << i;
  EXPECT_NE(test::error_message<OpenError>([] { track::AnomalyModel::load("/nonexistent/run"); }).find("/nonexistent/run"),
            std::string::npos);
}

// Walkers crossing a 320x240 picture at 40 px/s, boxes 10x30, feet at `feet_y`, one a second; every
// 25 fps frame's tracks.
std::vector<std::vector<track::Tracked>> walkers(int count, float feet_y, bool leftwards) {
  std::vector<std::vector<track::Tracked>> frames(static_cast<size_t>(count) * 25 + 150);
  for (int k = 0; k < count; ++k) {
    for (int i = 0; i < 150; ++i) {
      const float x = 20 + 40 * static_cast<float>(i) / 25;
      frames[static_cast<size_t>(k * 25 + i)].push_back(
          {k + 1, {leftwards ? 290 - x : x, feet_y - 30, 10, 30}});
    }
  }
  return frames;
}

// The density tells apart objects a lane apart within one cell: on a one-cell grid learnt from
// leftward walkers on an upper lane and rightward ones on a lower lane, a leftward walker on the
// lower lane is rare, one on the upper lane is not (without the position, both would be as
// usual as leftward walkers are in the cell).
TEST(Anomaly, DensityTellsLanesWithinACell) {
  track::AnomalyModel m;
  m.grid_x = m.grid_y = 1;
  m.cells.resize(1);
  track::AnomalyScorer learn(m, 320, 240);
  std::vector<std::vector<track::Tracked>> normal = walkers(20, 100, true);
  for (auto& f : walkers(20, 125, false)) {
    for (auto& t : f) t.id += 100;
    normal.push_back(f);
  }
  // The upper lane's walkers, then the lower lane's, on one clock.
  for (size_t i = 0; i < normal.size(); ++i) {
    learn.update(static_cast<double>(i) / 25, normal[i]);
    for (const auto& [id, f] : learn.features()) m.cells[0].push_back(f);
  }
  ASSERT_GT(m.cells[0].size(), 1000u);
  const auto last_score = [&](float feet_y) {
    track::AnomalyScorer s(m, 320, 240);
    double score = 0;
    const std::vector<std::vector<track::Tracked>> frames = walkers(1, feet_y, true);
    for (size_t i = 0; i < 125; ++i) score = s.update(static_cast<double>(i) / 25, frames[i]);
    return score;
  };
  const double usual = last_score(100), wrong_lane = last_score(125);
  // Among the samples near its position a walker on its own lane moves as they do (about 0.02); on
  // the wrong lane it moves unlike all of them (about 3.9, bounded by the cell's prior).
  EXPECT_LT(usual, 0.5);
  EXPECT_GT(wrong_lane, usual + 3.0) << "usual " << usual;
}

TEST(AnomalyMetrics, AurocEventsAndFalseAlerts) {
  EXPECT_DOUBLE_EQ(track::auroc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75);
  EXPECT_DOUBLE_EQ(track::auroc({1, 1, 1}, {false, true, false}), 0.5);  // ties count half
  // One video of 100 frames at 10 fps: an event at 40-60; alerts above 0.5 at 45-49 (true) and
  // 80-81 (false, 2 s after 60).
  track::VideoScores v;
  v.fps = 10;
  v.scores.assign(100, 0.1);
  for (int f = 45; f < 50; ++f) v.scores[f] = 0.9;
  for (int f = 80; f < 82; ++f) v.scores[f] = 0.7;
  const auto m = track::evaluate_anomaly({{"a.mp4", {{40, 60, "fall"}}}}, {{"a.mp4", v}}, 0.5, 1.0);
  EXPECT_EQ(m.frames, 100);
  EXPECT_EQ(m.anomalous_frames, 20);
  EXPECT_EQ(m.events, 1);
  EXPECT_EQ(m.detected, 1);
  EXPECT_EQ(m.alerts, 2);
  EXPECT_EQ(m.true_alerts, 1);
  EXPECT_NEAR(m.normal_minutes, 80 / 10.0 / 60.0, 1e-9);
  EXPECT_NEAR(m.false_per_10min, 1 / (m.normal_minutes / 10), 1e-6);
  EXPECT_EQ(m.by_type.at("fall"), std::make_pair(int64_t{1}, int64_t{1}));
  EXPECT_EQ(m.alert_frames.at("a.mp4"), (std::vector<std::pair<int64_t, int64_t>>{{45, 50}, {80, 82}}));
  // The timeline: the curve's 100 points, the event shaded and labelled, both alerts, the
  // threshold; text is escaped.
  const std::string svg = track::timeline_svg({.title = "a<b>.mp4", .scores = v.scores, .fps = 10, .threshold = 0.5,
                                               .truth = {{4, 6, "fall"}}, .alerts = {{4.5, 5, ""}, {8, 8.2, ""}}});
  const auto count = [&](const std::string& what) {
    int n = 0;
    for (size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count("class=\"truth\""), 1);
  EXPECT_EQ(count("class=\"alert\""), 2);
  EXPECT_EQ(count("class=\"threshold\""), 1);
  EXPECT_NE(svg.find(">fall<"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b&gt;.mp4"), std::string::npos);
  const size_t points = svg.find("points=\"");
  ASSERT_NE(points, std::string::npos);
  const std::string list = svg.substr(points + 8, svg.find('"', points + 8) - points - 8);
  EXPECT_EQ(std::count(list.begin(), list.end(), ','), 100);
  EXPECT_THROW(track::evaluate_anomaly({}, {{"a.mp4", v}}, 0.5), InvalidArgument);  // no anomalous frame
}

TEST(AnomalyCli, TrainScoreEvalAndWatch) {
  const fs::path out = scenes();
  const std::string dir = test::scratch_dir("anomaly_cli");
  std::string log;
  ASSERT_EQ(test::run(test::cli() + " anomaly train --data " + (out / "normal.txt").string() + " --out " + dir + "/run --json", &log), 0)
      << log;
  EXPECT_EQ(nlohmann::json::parse(log.substr(log.find('{')))["train_videos"], 1);
  ASSERT_EQ(test::run(test::cli() + " anomaly score " + dir + "/run " + (out / "test/test_000.mp4").string() + " --json > " + dir +
                          "/scores.jsonl"),
            0);
  ASSERT_EQ(test::run(test::cli() + " eval anomaly --truth " + (out / "truth.tsv").string() + " --scores " + dir +
                          "/scores.jsonl --model " + dir + "/run --json",
                      &log),
            0)
      << log;
  const nlohmann::json m = nlohmann::json::parse(log);
  ASSERT_EQ(test::run(test::cli() + " eval anomaly --truth " + (out / "truth.tsv").string() + " --scores " + dir +
                          "/scores.jsonl --threshold 5 --timeline " + dir + "/timelines",
                      &log),
            0)
      << log;
  EXPECT_EQ(test::read_bytes(dir + "/timelines/test_000.mp4.svg").rfind("<svg", 0), 0u);
  EXPECT_GT(m["micro_auroc"].get<double>(), 0.85);
  EXPECT_EQ(m["events"], 1);
  // watch with the run: the per-second score is the model's, higher while the wrong-way walker
  // is in the picture (8-28.8 s) than before (with so little training, its threshold is the
  // score's ceiling, so no alert is asked of it here).
  ASSERT_EQ(test::run("(" + test::cli() + " watch " + (out / "test/test_000.mp4").string() + " --model " + dir +
                          "/run --json 2>/dev/null)",
                      &log),
            0);
  double during = 0, before = 0;
  int n_during = 0, n_before = 0;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["kind"] != "second") continue;
    const double t = j["time"].get<double>(), score = j["score"].get<double>();
    if (t >= 9 && t < 28) during += score, ++n_during;
    if (t >= 3 && t < 8) before += score, ++n_before;
  }
  ASSERT_GT(n_during, 0);
  ASSERT_GT(n_before, 0);
  EXPECT_GT(during / n_during, before / n_before + 2.0) << log;
  EXPECT_EQ(test::run(test::cli() + " anomaly score /nonexistent/run " + (out / "test/test_000.mp4").string(), &log), 2);
  EXPECT_NE(log.find("/nonexistent/run"), std::string::npos) << log;
}

}  // namespace
}  // namespace vidrep
