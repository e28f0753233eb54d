#include "train_console.h"

#include "cli_common.h"
#include "progress.h"

#include "vidrep/error.h"
#include "vidrep/train/run.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <unistd.h>

namespace vidrep::cli {
namespace {

std::atomic<bool> g_stop{false};

void on_interrupt(int) {
  g_stop = true;
  static const char kMessage[] = "\nvidrep: stopping after this epoch (Ctrl-C again to abort)\n";
  (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  std::signal(SIGINT, SIG_DFL);
}

std::string epoch_line(const EpochRecord& r, int64_t epochs) {
  std::string line = fmt::format("epoch {:>3}/{}  train loss {:.4f} {}  val loss {:.4f}", r.epoch, epochs, r.train_loss,
                                 format_score(r.score_name, r.train_score), r.val_loss);
  for (const auto& [key, value] : r.val_values) {
    if (key == "val_accuracy") line += "  " + format_score("accuracy", value);
    if (key == "val_psnr") line += "  " + format_score("psnr", value);
    if (key == "val_snr") line += "  " + format_score("snr", value);
    if (key == "val_pair_accuracy") line += "  " + format_score("pair_accuracy", value);
    if (key == "val_ssim") line += fmt::format("  ssim {:.4f}", value);
  }
  return line + fmt::format("  {:.0f} clips/s  {:.1f} s{}", r.clips_per_second, r.seconds, r.best ? "  best" : "");
}

}  // namespace

std::string format_score(const std::string& name, double value) {
  if (name == "psnr") return fmt::format("psnr {:5.2f} dB", value);
  if (name == "snr") return fmt::format("snr {:5.2f} dB", value);
  if (name == "pair_accuracy") return fmt::format("pairs {:5.1f} %", 100 * value);
  return fmt::format("acc {:5.1f} %", 100 * value);
}

struct TrainConsole::State {
  ProgressBar bar;
  std::FILE* lines = stdout;
  int64_t epochs = 0;
};

TrainConsole::TrainConsole(std::FILE* lines, int64_t epochs) : state_(std::make_shared<State>()) {
  state_->lines = lines;
  state_->epochs = epochs;
  auto s = state_;
  callbacks_.on_batch = [s](const BatchProgress& p) {
    s->bar.update(static_cast<double>(p.batch) / static_cast<double>(std::max<int64_t>(p.batches, 1)),
                  fmt::format("epoch {}/{}  loss {:.4f}  {}  {:.0f} clips/s  ETA {}", p.epoch, p.epochs, p.loss,
                              format_score(p.score_name, p.score), p.clips_per_second, format_duration(p.eta_seconds)));
  };
  callbacks_.on_epoch = [s](const EpochRecord& r) {
    s->bar.clear();
    fmt::print(s->lines, "{}\n", epoch_line(r, s->epochs));
    std::fflush(s->lines);
  };
  callbacks_.on_message = [s](const std::string& m) {
    s->bar.clear();
    fmt::print(stderr, "vidrep: {}\n", m);
  };
  callbacks_.stop_requested = [] { return g_stop.load(); };
  g_stop = false;
  std::signal(SIGINT, on_interrupt);
}

TrainConsole::~TrainConsole() { std::signal(SIGINT, SIG_DFL); }

void TrainConsole::finish() {
  std::signal(SIGINT, SIG_DFL);
  state_->bar.clear();
}

ConfigFlags::ConfigFlags(CLI::App* cmd, Task task) : cmd_(cmd), config_(default_train_config(task)) {}

nlohmann::json ConfigFlags::given() const {
  const nlohmann::json all = config_;
  nlohmann::json out = derived_;
  for (const auto& [option, pointer] : bound_) {
    const nlohmann::json::json_pointer key(pointer);
    if (option->count() > 0) out[key] = all.at(key);
  }
  for (const Text& t : texts_)
    if (t.option->count() > 0) out[nlohmann::json::json_pointer(t.pointer)] = *t.value;
  return out;
}

void add_optimization_flags(ConfigFlags& f) {
  TrainConfig& c = f.config();
  f.add("--epochs", c.epochs, "/epochs",
        c.task == Task::Classify ? "Epochs (left out: more on a small dataset, for at least --min-steps optimizer steps)"
                                 : "Epochs");
  if (c.task == Task::Classify)
    f.add("--min-steps", c.min_steps, "/min_steps", "Optimizer steps a run takes at least when --epochs is left out (cnn_lstm: 2000; 0: off)");
  f.add("--batch", c.batch, "/batch", "Clips per batch");
  f.add("--lr", c.lr, "/lr", c.task == Task::Classify ? "Peak learning rate (cnn_lstm: 0.004)" : "Peak learning rate");
  f.add("--optimizer", c.optimizer, "/optimizer", "sgd | adam | adamw");
  f.add("--beta2", c.beta2, "/beta2", "adam/adamw: decay of the squared-gradient average");
  f.add("--schedule", c.schedule, "/schedule", "cosine | step");
  f.add("--warmup", c.warmup, "/warmup", "Epochs of linear warmup");
  f.add("--weight-decay", c.weight_decay, "/weight_decay", "Weight decay");
  f.add("--grad-clip", c.grad_clip, "/grad_clip", "Max gradient norm (0: off)");
  f.add("--seed", c.seed, "/seed", "Seed of initialisation, order and augmentation");
  f.add("--init", c.init, "/init", "Start from the best weights of run RUN (same network; fresh optimizer and schedule)");
  f.add("--threads", c.threads, "/threads", "LibTorch threads (0: one per core)")->check(CLI::NonNegativeNumber);
  f.add("--workers", c.workers, "/workers", "Loader threads")->check(CLI::NonNegativeNumber);
  add_distributed_flags(f.command(), f.distributed());
}

void add_clip_flags(ConfigFlags& f) {
  TrainConfig& c = f.config();
  const std::string augmentation = default_augmentation(c);
  f.add_text("--transform", "/transform",
             fmt::format("Training augmentation, a transform pipeline ('' for none; default {})",
                         augmentation.empty() ? "none"
                         : c.task == Task::Autoencode ? "'" + augmentation + "'"
                                                      : "'" + augmentation + "' at the model's size"));
  f.add("--hflip", c.hflip, "/hflip",
        c.task == Task::Autoencode
            ? "Also mirror training clips left-right at random (the default --transform already does)"
            : "Also mirror training clips left-right at random (off by default: mirroring swaps left and right motion)");
  f.add_text("--preprocess", "/preprocess",
             fmt::format("Applied to every clip after --transform, in training and evaluation alike ('' for none; "
                         "default '{}')", preprocess_of(c)));
  f.add("--patience", c.patience, "/patience", "Early stop after N epochs without a better val metric (0: off)");
  f.add("--min-epochs", c.min_epochs, "/min_epochs", "No early stop before this many epochs");
}

void refuse_with_resume(const CLI::App& cmd, const std::string& resume, std::initializer_list<const char*> options) {
  for (const char* name : options)
    if (cmd.count(name) > 0)
      throw InvalidArgument(fmt::format("{}: --resume continues a run with its saved config; leave {} out", resume, name));
}

void add_distributed_flags(CLI::App* cmd, DistributedFlags& f) {
  const std::string group = "Distributed (data-parallel, torchrun's flags and environment)";
  cmd->add_option("--nproc-per-node", f.launch.nproc_per_node,
                  "Worker processes on this machine; the global --batch is split among all workers (threads per "
                  "worker: cores / workers)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(group);
  cmd->add_option("--nnodes", f.launch.nnodes, "Machines in the run (the same command on each)")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(group);
  cmd->add_option("--node-rank", f.launch.node_rank, "This machine's place, 0 .. nnodes-1")
      ->check(CLI::NonNegativeNumber)->capture_default_str()->group(group);
  cmd->add_option("--master-addr", f.launch.master_addr,
                  "Address of machine 0, where rank 0 serves the store (default: this machine alone, through a file)")
      ->group(group);
  cmd->add_option("--master-port", f.launch.master_port, "Port of that store")->capture_default_str()->group(group);
  cmd->add_option("--dist-timeout", f.timeout,
                  "Seconds a worker waits for the others (start, each collective) before failing")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(group);
}

void run_training(const TrainConfig& config, const std::string& out, const std::string& resume_dir, bool json,
                  const std::string& command, const DistributedFlags& flags) {
  DistributedOptions distributed = distributed_from_environment();
  if (!distributed.active() && flags.launches()) {
    const int code = launch_workers(flags.launch, [](const std::string& m) { fmt::print(stderr, "vidrep: {}\n", m); });
    if (code != 0) throw ExitStatus{code};
    return;
  }
  distributed.timeout_seconds = flags.timeout;
  distributed.heartbeat_timeout_seconds = std::min(distributed.heartbeat_timeout_seconds, flags.timeout);
  const TrainConfig c = resume_dir.empty() ? config : load_run_info(resume_dir).config;
  // What best.pt was picked by: val accuracy, PSNR (autoencode), the masked patches' SNR (pretrain) or
  // the val clips' pair accuracy (contrastive).
  const std::string metric = c.task == Task::Autoencode    ? "psnr"
                             : c.task == Task::Pretrain    ? "snr"
                             : c.task == Task::Contrastive ? "pair_accuracy"
                                                           : "accuracy";
  TrainConsole console(json ? stderr : stdout, c.epochs);
  const TrainResult r = resume_dir.empty() ? train(config, out, console.callbacks(), distributed)
                                           : resume(resume_dir, console.callbacks(), config.threads, distributed);
  console.finish();
  if (distributed.rank > 0) return;  // rank 0 reports the run
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"run", r.run_dir},
                                      {"epochs_done", r.epochs_done},
                                      {"best_epoch", r.best_epoch},
                                      {"best_val_" + metric, r.best_val_metric},
                                      {"early_stopped", r.early_stopped},
                                      {"interrupted", r.interrupted},
                                      {"seconds", r.seconds},
                                      {"skipped", r.skipped}}
                           .dump());
    return;
  }
  const std::string best = metric == "accuracy"        ? fmt::format("accuracy {:.1f} %", 100 * r.best_val_metric)
                           : metric == "pair_accuracy" ? fmt::format("pair accuracy {:.1f} %", 100 * r.best_val_metric)
                                                       : fmt::format("{} {:.2f} dB", metric == "psnr" ? "PSNR" : "SNR", r.best_val_metric);
  fmt::print("{}: best val {} at epoch {} ({} epochs, {:.1f} s){}\n", r.run_dir, best, r.best_epoch, r.epochs_done,
             r.seconds, r.interrupted ? fmt::format("; interrupted: {} --resume {}", command, r.run_dir) : "");
}

}  // namespace vidrep::cli
