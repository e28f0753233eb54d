// evaluate_run(): a trained run's metrics on a split of a dataset (by default the run's own
// data and its test split), one centred clip per video.
//
//   vidrep::EvalResult r = vidrep::evaluate_run("runs/motion", {.split = "test"});
//   std::cout << vidrep::format_report(r.report);
#pragma once

#include "vidrep/train/metrics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct EvalOptions {
  std::string data;                 // empty: the run's dataset
  std::string split = "test";
  std::string checkpoint = "best";  // best | last
  int threads = 0;                  // LibTorch threads; 0: one per core
  int workers = 2;
};

struct EvalResult {
  ClassificationReport report;
  double loss = 0;
  std::vector<std::string> skipped;  // unreadable files
};

// ConfigError when the run or its checkpoint cannot be loaded, or the dataset's classes differ
// from the run's (names and order).
EvalResult evaluate_run(const std::string& run_dir, const EvalOptions& options = {});

}  // namespace vidrep
