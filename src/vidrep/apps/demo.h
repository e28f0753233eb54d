// The demo: vidrep's main job end to end on built-in data. It writes the two synthetic datasets
// as real mp4 files (`synth` motion and av), trains an order-aware model and the order-blind
// baseline on motion and an audio-visual fusion model on av, evaluates each on its held-out test
// split against the project's targets, and predicts a few test files.
//
//   vidrep::DemoResult r = vidrep::run_demo({.out_dir = "vidrep-demo"}, print_line);
//
// Everything lands in out_dir (data/motion, data/av, runs/<name>); re-running replaces it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vidrep {

struct DemoOptions {
  std::string out_dir = "vidrep-demo";  // created if missing; the demo's files go here
  int threads = 0;                      // 0: one per core
  int64_t per_class = 96;               // train videos per class in each dataset
  int64_t epochs = 0;                   // 0: the training defaults; a smaller number for a quick look
};

struct DemoRun {
  std::string name;      // "motion_c3d"
  std::string run_dir;
  double accuracy = 0;   // test split, top-1
  double macro_f1 = 0;
  std::string target;    // ">= 95 %" / "<= 60 %"
  bool target_met = false;
  double train_seconds = 0;
};

struct DemoResult {
  std::vector<DemoRun> runs;
  std::vector<std::string> predictions;  // "videos/left/test_0000.mp4 (left): left 0.98"
  double seconds = 0;
  bool ok = false;  // every target met
};

DemoResult run_demo(const DemoOptions& options, const std::function<void(const std::string&)>& log);

}  // namespace vidrep
