// vidrep anomaly train --data NORMAL... --out RUN [--holdout 0.25] [--grid 8x6] [--json]
// vidrep anomaly score RUN FILE... [--json]
#include "cli_common.h"
#include "progress.h"

#include "vidrep/error.h"
#include "vidrep/track/anomaly.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>

namespace vidrep::cli {
namespace {

struct AnomalyArgs {
  std::vector<std::string> data, files;
  std::string out, run, grid = "16x12", method = "density";
  int predict_steps = 1500, predict_height = 72;
  double holdout = 0.25;
  int threads = 0;
  bool json = false;
  track::TrackFileOptions track;
};

}  // namespace

void register_anomaly(CLI::App& app, const FrameModels& frame_models) {
  auto args = std::make_shared<AnomalyArgs>();
  CLI::App* cmd = app.add_subcommand("anomaly", "Learned normality of a static camera: train on normal footage, score videos");
  cmd->require_subcommand(1);
  CLI::App* train = cmd->add_subcommand(
      "train", "Learn how objects move and look, per place, from normal videos; calibrate the alert threshold");
  train->add_option("--data", args->data, "Normal videos: files, folders (recursive) or list files")->required();
  train->add_option("--out", args->out, "Run folder (model.json, samples.npy)")->required();
  train->add_option("--holdout", args->holdout, "Share of the videos (the last by path) kept to set the threshold")
      ->capture_default_str();
  train->add_option("--grid", args->grid, "Places: columns x rows of the picture")->capture_default_str();
  train->add_option("--size", args->track.short_side, "Analysis size: the shorter side, pixels")->capture_default_str();
  train->add_option("--min-area", args->track.min_area, "Smallest object, as a share of the frame")->capture_default_str();
  train->add_option("--still", args->track.still_seconds, "Seconds an object may stand still before it becomes background")
      ->capture_default_str();
  train->add_option("--threads", args->track.threads, "Decoder threads (0: one per core)")->capture_default_str();
  train->add_option("--method", args->method,
                    "density: how objects move and look, per place; predict: how well the next frame is predicted from the "
                    "last 4 (a U-Net, LibTorch); both: the two scores, each over its held-out maximum, summed")
      ->capture_default_str();
  train->add_option("--predict-steps", args->predict_steps, "Training steps of the frame predictor (batches of 8 windows)")
      ->capture_default_str();
  train->add_option("--predict-size", args->predict_height, "The frame predictor's frame height, pixels (a multiple of 4)")
      ->capture_default_str();
  train->add_flag("--json", args->json, "One JSON line: the run's model.json summary");
  train->callback([args, frame_models] {
    track::AnomalyOptions o;
    o.videos = collect_videos(args->data);
    if (o.videos.empty()) throw InvalidArgument("anomaly train: no video files in --data");
    o.out = args->out;
    o.holdout = args->holdout;
    std::tie(o.grid_x, o.grid_y) = parse_size(args->grid, "--grid");
    o.track = args->track;
    o.method = track::parse_anomaly_method(args->method);
    ProgressBar bar;
    if (o.method != track::AnomalyMethod::Density) {
      if (!frame_models.make) throw InvalidArgument(fmt::format("--method {} needs vidrep-torch", args->method));
      o.frame_model = frame_models.make(args->predict_steps, args->predict_height, 0, [&bar](int64_t step, int64_t steps, double loss) {
        bar.update(static_cast<double>(step) / static_cast<double>(steps), fmt::format("predictor step {}/{}  L1 {:.4f}", step, steps, loss));
      });
    }
    o.progress = [&bar](int64_t done, int64_t total, const std::string& path) {
      bar.update(static_cast<double>(done) / static_cast<double>(total), fmt::format("video {}/{}  {}", done, total, path));
    };
    const track::AnomalyModel m = track::train_anomaly(o);
    bar.clear();
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"out", args->out}, {"train_videos", m.train_videos}, {"train_frames", m.train_frames},
                                        {"holdout_videos", m.holdout_videos}, {"holdout_frames", m.holdout_frames},
                                        {"samples", m.samples}, {"threshold", m.threshold}, {"holdout_p999", m.holdout_p999},
                                        {"method", track::to_string(m.method)}, {"object_weight", m.object_weight},
                                        {"frame_weight", m.frame_weight}}
                             .dump());
      return;
    }
    fmt::print("{}: {} learnt from {} videos ({} frames, {} object samples); threshold {:.3f} (the highest score on {} "
               "held-out videos, {} frames)\n",
               args->out, track::to_string(m.method), m.train_videos, m.train_frames, m.samples, m.threshold, m.holdout_videos, m.holdout_frames);
  });
  CLI::App* score = cmd->add_subcommand("score", "Per-frame anomaly scores of videos under a trained run");
  score->add_option("run", args->run, "Run folder (vidrep anomaly train)")->required();
  score->add_option("files", args->files, "Videos: files, folders (recursive) or list files")->required();
  score->add_option("--threads", args->threads, "Decoder threads (0: one per core)")->capture_default_str();
  score->add_flag("--json", args->json, "One line per frame {video, frame, time, score, object_score, frame_score}, then per "
                                        "video {video, frames, max, above, threshold}");
  score->callback([args, frame_models] {
    const track::AnomalyModel m = track::AnomalyModel::load(args->run, frame_models.load);
    const std::vector<std::string> videos = collect_videos(args->files);
    if (videos.empty()) throw InvalidArgument("anomaly score: no video files given");
    for (const std::string& video : videos) {
      const std::vector<track::FrameScore> scores = track::score_video(m, video, args->threads);
      double max = 0;
      int64_t above = 0;
      for (const auto& s : scores) {
        max = std::max(max, s.score);
        above += s.score > m.threshold;
        if (args->json) {
          fmt::print("{}\n", nlohmann::json{{"video", video}, {"frame", s.frame}, {"time", std::round(s.time * 1e4) / 1e4},
                                            {"score", std::round(s.score * 1e5) / 1e5},
                                            {"object_score", std::round(s.object_score * 1e5) / 1e5},
                                            {"frame_score", std::round(s.frame_score * 1e5) / 1e5}}
                                 .dump());
        }
      }
      if (args->json) {
        fmt::print("{}\n", nlohmann::json{{"video", video}, {"frames", scores.size()}, {"max", max}, {"above", above},
                                          {"threshold", m.threshold}}
                               .dump());
      } else {
        fmt::print("{}: {} frames, highest score {:.3f}, {} above the threshold {:.3f}\n", video, scores.size(), max, above,
                   m.threshold);
      }
    }
  });
}

}  // namespace vidrep::cli
