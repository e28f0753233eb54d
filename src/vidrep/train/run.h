// A training run's folder, written by train() and read by eval, predict, export and resume:
//   RUN/config.json    the TrainConfig (model included, num_classes filled in)
//   RUN/classes.txt    class names, one per line, in label order
//   RUN/metrics.jsonl  one JSON object per finished epoch
//   RUN/last.pt        model + optimizer + trainer state after the last finished epoch
//   RUN/best.pt        the same for the epoch with the best validation metric
// Every file is written to a temporary name and renamed, so an interrupted run is always
// resumable from its last finished epoch.
#pragma once

#include "vidrep/train/config.h"

#include <string>
#include <vector>

namespace vidrep {

struct RunInfo {
  std::string dir;
  TrainConfig config;
  std::vector<std::string> classes;

  std::string checkpoint(const std::string& which) const;  // "best" | "last" -> RUN/<which>.pt
  std::string metrics_path() const;
};

// Throws ConfigError "<dir>: not a vidrep run (no config.json)" and for unreadable contents.
RunInfo load_run_info(const std::string& dir);

// Writes `text` to `path` through a temporary name.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace vidrep
