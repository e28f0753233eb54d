// predict_videos(): a trained run's labels for video files, the class probabilities averaged over
// several clips spread evenly over each video (the multi-view testing of action recognition).
//
//   auto preds = vidrep::predict_videos("runs/motion", {"a.mp4", "b.mp4"}, {.topk = 3});
//   preds[0].top[0];   // {"left", 0.97}
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vidrep {

struct PredictOptions {
  int64_t topk = 5;                 // clamped to the number of classes
  int64_t clips = 3;                // views per video, evenly spread
  std::string checkpoint = "best";  // best | last
  int threads = 0;                  // LibTorch threads; 0: one per core
};

struct Prediction {
  std::string path;
  std::vector<std::pair<std::string, double>> top;  // best first
  std::vector<double> probabilities;                // per class, in the run's class order
  std::string error;                                // non-empty: the file could not be read (top is empty)
};

// One Prediction per path, in order; a file that cannot be read gets `error` instead of failing
// the others. Throws ConfigError when the run cannot be loaded.
std::vector<Prediction> predict_videos(const std::string& run_dir, const std::vector<std::string>& paths,
                                       const PredictOptions& options = {});

}  // namespace vidrep
