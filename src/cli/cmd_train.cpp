// vidrep train --data DIR --model ARCH [...] --out RUN    |    vidrep train --resume RUN
#include "cli_common.h"
#include "progress.h"

#include "vidrep/error.h"
#include "vidrep/train/config.h"
#include "vidrep/train/run.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <memory>
#include <unistd.h>

namespace vidrep::cli {
namespace {

std::atomic<bool> g_stop{false};

// First Ctrl-C: finish the epoch, save it and stop (resumable). Second: the default (abort).
void on_interrupt(int) {
  g_stop = true;
  static const char kMessage[] = "\nvidrep: stopping after this epoch (Ctrl-C again to abort)\n";
  (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  std::signal(SIGINT, SIG_DFL);
}

struct TrainArgs {
  TrainConfig config;
  std::string config_file, out, resume, size;
  bool json = false;
};

std::string epoch_line(const EpochRecord& r, int64_t epochs) {
  return fmt::format("epoch {:>3}/{}  train loss {:.4f} acc {:5.1f} %  val loss {:.4f} acc {:5.1f} %  {:.0f} clips/s  {:.1f} s{}",
                     r.epoch, epochs, r.train_loss, 100 * r.train_accuracy, r.val_loss, 100 * r.val_accuracy,
                     r.clips_per_second, r.seconds, r.best ? "  best" : "");
}

}  // namespace

void register_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  TrainConfig& c = args->config;
  CLI::App* cmd = app.add_subcommand("train", "Train a video/audio classifier on a dataset folder; writes a run folder");
  cmd->add_option("--data", c.data, "Dataset folder: {train,val,test}.txt lists, {split}/<class>/ folders or {split}.csv");
  cmd->add_option("--out", args->out, "Run folder to create (config.json, metrics.jsonl, best.pt, last.pt)");
  cmd->add_option("--resume", args->resume, "Continue an interrupted run from RUN/last.pt (other options come from RUN/config.json)");
  cmd->add_option("--config", args->config_file, "JSON with any TrainConfig keys (as in RUN/config.json); flags override it");
  cmd->add_option("--model", c.model.arch, "frame2d | cnn_lstm | c3d | vit")->capture_default_str();
  cmd->add_option("--modality", c.model.modality, "video | audio | av")->capture_default_str();
  cmd->add_option("--fusion", c.model.fusion, "concat | mean | gated | attention (modality av)")->capture_default_str();
  cmd->add_option("--rnn", c.model.rnn, "gru | lstm (cnn_lstm and the audio encoder)")->capture_default_str();
  cmd->add_option("--epochs", c.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch", c.batch, "Clips per batch")->capture_default_str();
  cmd->add_option("--lr", c.lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--optimizer", c.optimizer, "sgd | adam | adamw")->capture_default_str();
  cmd->add_option("--schedule", c.schedule, "cosine | step")->capture_default_str();
  cmd->add_option("--warmup", c.warmup, "Epochs of linear warmup")->capture_default_str();
  cmd->add_option("--weight-decay", c.weight_decay, "Weight decay")->capture_default_str();
  cmd->add_option("--grad-clip", c.grad_clip, "Max gradient norm (0: off)")->capture_default_str();
  cmd->add_option("--dropout", c.model.dropout, "Dropout before the classifier")->capture_default_str();
  cmd->add_option("--label-smoothing", c.label_smoothing, "Cross-entropy label smoothing")->capture_default_str();
  cmd->add_option("--patience", c.patience, "Early stop after N epochs without a better val metric (0: off)")->capture_default_str();
  cmd->add_option("--clip-len", c.model.frames, "Frames per clip")->capture_default_str();
  cmd->add_option("--frame-stride", c.frame_stride, "Frame step inside a clip")->capture_default_str();
  cmd->add_option("--size", args->size, "Frame size WxH (default 32x32)");
  cmd->add_option("--transform", c.transform, "Training augmentation, e.g. 'random_resized_crop=32:0.6-1,color_jitter=0.2'");
  cmd->add_option("--seed", c.seed, "Seed of initialisation, order and augmentation")->capture_default_str();
  cmd->add_option("--threads", c.threads, "LibTorch threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", c.workers, "Loader threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print one JSON summary line at the end (epoch lines go to stderr)");
  cmd->callback([cmd, args] {
    if (!args->resume.empty()) {
      for (const char* name : {"--data", "--out", "--config", "--model", "--modality", "--epochs", "--size", "--seed"})
        if (cmd->count(name) > 0)
          throw InvalidArgument(fmt::format("{}: --resume continues a run with its saved config; leave {} out", args->resume, name));
    } else if (args->out.empty()) {
      throw InvalidArgument("train: --out RUN is required (or --resume RUN)");
    }
    TrainConfig config = args->config;
    if (!args->config_file.empty()) {
      // The file replaces the defaults; flags given on the command line win over the file.
      TrainConfig from_file = merge_config_file(TrainConfig{}, args->config_file);
      nlohmann::json flags = args->config, merged = from_file;
      const nlohmann::json defaults = TrainConfig{};
      for (auto& [key, value] : flags.items())
        if (key != "model" && value != defaults[key]) merged[key] = value;
      for (auto& [key, value] : flags["model"].items())
        if (value != defaults["model"][key]) merged["model"][key] = value;
      config = merged.get<TrainConfig>();
    }
    if (!args->size.empty()) {
      const auto [w, h] = parse_size(args->size, "--size");
      config.model.width = w;
      config.model.height = h;
    }

    std::FILE* lines = args->json ? stderr : stdout;
    auto bar = std::make_shared<ProgressBar>();
    TrainCallbacks callbacks;
    int64_t epochs = config.epochs;
    callbacks.on_batch = [bar](const BatchProgress& p) {
      bar->update(static_cast<double>(p.batch) / static_cast<double>(std::max<int64_t>(p.batches, 1)),
                  fmt::format("epoch {}/{}  loss {:.4f}  acc {:.1f} %  {:.0f} clips/s  ETA {}", p.epoch, p.epochs,
                              p.loss, 100 * p.accuracy, p.clips_per_second, format_duration(p.eta_seconds)));
    };
    callbacks.on_epoch = [bar, lines, &epochs](const EpochRecord& r) {
      bar->clear();
      fmt::print(lines, "{}\n", epoch_line(r, epochs));
      std::fflush(lines);
    };
    callbacks.on_message = [bar](const std::string& m) {
      bar->clear();
      fmt::print(stderr, "vidrep: {}\n", m);
    };
    callbacks.stop_requested = [] { return g_stop.load(); };
    g_stop = false;
    std::signal(SIGINT, on_interrupt);

    TrainResult r;
    if (!args->resume.empty()) {
      epochs = load_run_info(args->resume).config.epochs;
      r = resume(args->resume, callbacks, config.threads);
    } else {
      r = train(config, args->out, callbacks);
    }
    std::signal(SIGINT, SIG_DFL);
    bar->clear();
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"run", r.run_dir}, {"epochs_done", r.epochs_done}, {"best_epoch", r.best_epoch},
                                        {"best_val_accuracy", r.best_val_accuracy}, {"early_stopped", r.early_stopped},
                                        {"interrupted", r.interrupted}, {"seconds", r.seconds}, {"skipped", r.skipped}}
                             .dump());
    } else {
      fmt::print("{}: best val accuracy {:.1f} % at epoch {} ({} epochs, {:.1f} s){}\n", r.run_dir,
                 100 * r.best_val_accuracy, r.best_epoch, r.epochs_done, r.seconds,
                 r.interrupted ? fmt::format("; interrupted: vidrep train --resume {}", r.run_dir) : "");
    }
  });
}

}  // namespace vidrep::cli
