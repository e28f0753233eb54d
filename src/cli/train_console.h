// Console side of a training command (`vidrep train`, `vidrep ae train`): a progress bar while an
// epoch runs, one line per finished epoch, messages on stderr, and Ctrl-C handling (the first stops
// after the epoch, resumable; the second aborts).
#pragma once

#include "vidrep/train/trainer.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace vidrep::cli {

class TrainConsole {
 public:
  // Epoch lines go to `lines` (stdout, or stderr when the command prints JSON at the end).
  TrainConsole(std::FILE* lines, int64_t epochs);
  ~TrainConsole();  // restores the default SIGINT handling
  TrainConsole(const TrainConsole&) = delete;
  TrainConsole& operator=(const TrainConsole&) = delete;

  const TrainCallbacks& callbacks() const { return callbacks_; }
  // Clears the progress bar before the command's summary.
  void finish();

 private:
  struct State;
  std::shared_ptr<State> state_;
  TrainCallbacks callbacks_;
};

// Trains `config` into `out`, or continues the run `resume` when it is not empty, with a console
// as above; then prints one JSON summary line (`json`: best_val_accuracy or best_val_psnr) or a
// sentence naming `command` for resuming an interrupted run.
void run_training(const TrainConfig& config, const std::string& out, const std::string& resume, bool json,
                  const std::string& command);

// The flags every training command shares: epochs, batch, optimizer and schedule, clipping, seed,
// threads, workers.
void add_optimization_flags(CLI::App* cmd, TrainConfig& c);

// "acc  93.4 %" / "psnr 31.20 dB"
std::string format_score(const std::string& name, double value);

}  // namespace vidrep::cli
