// Console side of a training command (`vidrep train`, `vidrep ae train`): a progress bar while an
// epoch runs, one line per finished epoch, messages on stderr, and Ctrl-C handling (the first stops
// after the epoch, resumable; the second aborts).
#pragma once

#include "vidrep/train/launch.h"
#include "vidrep/train/trainer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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

// Data-parallel training flags (torchrun's): --nproc-per-node, --nnodes, --node-rank,
// --master-addr, --master-port, and --dist-timeout.
struct DistributedFlags {
  LaunchOptions launch;
  double timeout = DistributedOptions{}.timeout_seconds;
  bool launches() const { return launch.nproc_per_node * launch.nnodes > 1; }
};
void add_distributed_flags(CLI::App* cmd, DistributedFlags& flags);

// Trains `config` into `out`, or continues the run `resume` when it is not empty, with a console
// as above; then prints one JSON summary line (`json`) or a
// sentence naming `command` for resuming an interrupted run (best_val_accuracy, best_val_psnr for
// autoencode, best_val_snr for pretrain). Distributed: a process started by a launcher (torchrun's
// or Slurm's environment) is a worker, and only rank 0 prints; otherwise, flags asking for more
// than one worker make this process the launcher (train/launch.h), which exits with the workers'
// status.
void run_training(const TrainConfig& config, const std::string& out, const std::string& resume, bool json,
                  const std::string& command, const DistributedFlags& distributed = {});

// InvalidArgument when any of `options` was given with --resume RUN (a resumed run keeps its
// saved config).
void refuse_with_resume(const CLI::App& cmd, const std::string& resume, std::initializer_list<const char*> options);

// Flags bound to TrainConfig fields, each remembered with the config.json key it sets, so that
// the flags a user gave (and only those) override a --config file: given() is the JSON object
// resolve_train_config() takes. The bound config starts at the task's defaults, which --help shows.
class ConfigFlags {
 public:
  ConfigFlags(CLI::App* cmd, Task task);
  TrainConfig& config() { return config_; }
  // `pointer` is the key's JSON pointer in config.json, e.g. "/lr" or "/model/frames".
  template <typename T>
  CLI::Option* add(const std::string& name, T& field, const std::string& pointer, const std::string& help) {
    CLI::Option* option = cmd_->add_option(name, field, help)->capture_default_str();
    bound_.emplace_back(option, pointer);
    return option;
  }
  // A text key whose default depends on other keys (transform, preprocess): given, it is recorded
  // as written ('' included); left out, the library's default applies.
  CLI::Option* add_text(const std::string& name, const std::string& pointer, const std::string& help) {
    texts_.push_back({nullptr, pointer, std::make_shared<std::string>()});
    texts_.back().option = cmd_->add_option(name, *texts_.back().value, help);
    return texts_.back().option;
  }
  // {key: value} of the bound flags given on the command line, plus set(...) values.
  nlohmann::json given() const;
  // Records a value a command derived from a flag of its own syntax (--size WxH, --compress).
  void set(const std::string& pointer, const nlohmann::json& value) { derived_[nlohmann::json::json_pointer(pointer)] = value; }
  // The distributed flags (not config keys: a run can resume with another number of workers).
  DistributedFlags& distributed() { return distributed_; }
  CLI::App* command() const { return cmd_; }

 private:
  CLI::App* cmd_;
  TrainConfig config_;
  DistributedFlags distributed_;
  std::vector<std::pair<CLI::Option*, std::string>> bound_;
  struct Text {
    CLI::Option* option;
    std::string pointer;
    std::shared_ptr<std::string> value;
  };
  std::vector<Text> texts_;
  nlohmann::json derived_ = nlohmann::json::object();
};

// The flags every training command shares: epochs, batch, optimizer and schedule, clipping, seed,
// threads, workers, --config, and the distributed ones.
void add_optimization_flags(ConfigFlags& flags);
// What training clips go through: --transform, --hflip, --preprocess; early stopping: --patience,
// --min-epochs.
void add_clip_flags(ConfigFlags& flags);

// "acc  93.4 %" / "psnr 31.20 dB"
std::string format_score(const std::string& name, double value);

}  // namespace vidrep::cli
