// The future-frame predictor as a learned anomaly score (apps/frame_prediction.h): trained on
// normal scenes, it scores a box crossing the picture fast (inserted by the ffmpeg CLI) above the
// other frames; the run loads back to the same scores, and only with the predictor's loader; and
// `anomaly train --method both`, `anomaly score` and `watch --model` end to end (the front end
// hands them over).
#include "vidrep/apps/frame_prediction.h"
#include "vidrep/track/anomaly.h"
#include "vidrep/track/anomaly_metrics.h"
#include "vidrep/track/synth_scene.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

constexpr double kFps = 25;

// Two normal 20 s scenes and a test scene with a red 30x40 box crossing at 200 px/s from 12 s to
// 14 s (frames 300-350).
const std::string& scenes() {
  static const std::string out = [] {
    const std::string dir = test::scratch_dir("predict_scenes") + "/set";
    track::synth_surveillance({.out = dir, .width = 320, .height = 180, .fps = kFps, .seconds = 20, .normal = 2, .test = 1, .seed = 5});
    const std::string graph = "color=c=red:s=30x40:r=25[b];[0:v][b]overlay=x='-30+200*(t-12)':y=60:enable='between(t,12,14)':shortest=1";
    std::string log;
    if (test::run("ffmpeg -nostdin -y -v error -i " + dir + "/test/test_000.mp4 -filter_complex \"" + graph +
                      "\" -c:v libx264 -pix_fmt yuv420p " + dir + "/boxed.mp4",
                  &log) != 0) {
      ADD_FAILURE() << log;
    }
    return dir;
  }();
  return out;
}

double box_auroc(const std::vector<track::FrameScore>& scores) {
  std::vector<double> s;
  std::vector<bool> truth;
  for (const auto& f : scores) {
    if (f.frame < 10 || (f.frame > 350 && f.frame < 400)) continue;  // a video's start; the 1.5 s average's tail
    s.push_back(f.score);
    truth.push_back(f.frame >= 300 && f.frame <= 350);
  }
  return track::auroc(s, truth);
}

TEST(AnomalyPredict, FastBoxScoresAboveOtherFrames) {
  const fs::path out = scenes();
  const std::string run = test::scratch_dir("predict_run") + "/run";
  // Under the sanitizers (8x slower here) the net trains too briefly to be judged: what is checked
  // there is the frames' way through it, the scores' shape and the run's round trip.
  const int steps = test::under_asan() ? 20 : 200;
  auto predictor = std::make_shared<PredictorModel>(PredictorOptions{.height = 48, .steps = steps, .seed = 1, .threads = 1});
  track::AnomalyOptions o{.videos = {(out / "normal/normal_000.mp4").string(), (out / "normal/normal_001.mp4").string()},
                          .out = run};
  o.method = track::AnomalyMethod::Predict;
  o.frame_model = predictor;
  const track::AnomalyModel m = track::train_anomaly(o);
  EXPECT_EQ(m.object_weight, 0);
  EXPECT_EQ(m.frame_weight, 1);
  EXPECT_GT(m.threshold, 0);
  if (!test::under_asan()) EXPECT_LT(predictor->final_loss(), 0.05);
  const std::vector<track::FrameScore> scores = track::score_video(m, (out / "boxed.mp4").string(), 1);
  ASSERT_EQ(scores.size(), 500u);
  EXPECT_EQ(scores[2].frame_score, 0);  // no 4 frames before it yet
  if (!test::under_asan()) EXPECT_GT(box_auroc(scores), 0.95);
  // Loaded, the run scores the same; without the predictor's loader (the front end) it is refused.
  EXPECT_TRUE(track::AnomalyModel::has_frame_model(run));
  const track::AnomalyModel loaded = track::AnomalyModel::load(run, &load_predictor);
  EXPECT_EQ(loaded.method, track::AnomalyMethod::Predict);
  const std::vector<track::FrameScore> again = track::score_video(loaded, (out / "boxed.mp4").string(), 1);
  for (size_t i = 0; i < scores.size(); i += test::under_asan() ? 100 : 25) EXPECT_NEAR(again[i].score, scores[i].score, 1e-4) << i;
  EXPECT_NE(test::error_message<ConfigError>([&] { track::AnomalyModel::load(run); }).find("vidrep-torch"), std::string::npos);
  track::AnomalyOptions no_model{.videos = o.videos};
  no_model.method = track::AnomalyMethod::Both;
  EXPECT_NE(test::error_message<InvalidArgument>([&] { track::train_anomaly(no_model); }).find("no frame model"), std::string::npos);
}

TEST(AnomalyPredict, BothThroughTheCli) {
  const fs::path out = scenes();
  const std::string dir = test::scratch_dir("predict_cli");
  std::string log;
  ASSERT_EQ(test::run(test::cli() + " anomaly train --data " + (out / "normal.txt").string() + " --out " + dir +
                          "/run --method both --predict-steps " + std::to_string(test::under_asan() ? 20 : 100) + " --predict-size 48 --json",
                      &log),
            0)
      << log;
  const nlohmann::json summary = nlohmann::json::parse(log.substr(log.find('{')));
  EXPECT_EQ(summary["method"], "both");
  EXPECT_GT(summary["object_weight"].get<double>(), 0);
  EXPECT_GT(summary["frame_weight"].get<double>(), 0);
  EXPECT_TRUE(fs::exists(dir + "/run/predictor.pt"));
  ASSERT_EQ(test::run(test::cli() + " anomaly score " + dir + "/run " + (out / "boxed.mp4").string() + " --json", &log), 0) << log;
  std::istringstream lines(log);
  std::string line;
  int frames = 0;
  double frame_max = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("frame")) continue;
    ++frames;
    frame_max = std::max(frame_max, j["frame_score"].get<double>());
    const double combined = summary["object_weight"].get<double>() * j["object_score"].get<double>() +
                            summary["frame_weight"].get<double>() * j["frame_score"].get<double>();
    EXPECT_NEAR(j["score"].get<double>(), combined, 1e-3) << line;
  }
  EXPECT_EQ(frames, 500);
  EXPECT_GT(frame_max, 0);
  // watch with the run (the front end hands it over): a line per second of the 20 s.
  ASSERT_EQ(test::run("(" + test::cli() + " watch " + (out / "boxed.mp4").string() + " --model " + dir + "/run --json 2>/dev/null)",
                      &log),
            0)
      << log;
  int seconds = 0;
  std::istringstream watch_lines(log);
  while (std::getline(watch_lines, line)) seconds += nlohmann::json::parse(line)["kind"] == "second";
  EXPECT_EQ(seconds, 20) << log;
  EXPECT_EQ(test::run(test::cli() + " anomaly train --data " + (out / "normal.txt").string() + " --out " + dir +
                          "/bad --method guess",
                      &log),
            2);
  EXPECT_NE(log.find("--method guess"), std::string::npos) << log;
}

}  // namespace
}  // namespace vidrep
