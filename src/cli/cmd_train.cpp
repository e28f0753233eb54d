// vidrep train --data DIR --model ARCH [...] --out RUN    |    vidrep train --resume RUN
#include "cli_common.h"
#include "train_console.h"

#include "vidrep/error.h"
#include "vidrep/tokens/patchify.h"
#include "vidrep/train/config.h"
#include "vidrep/train/run.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

struct TrainArgs {
  TrainConfig config;
  std::string config_file, out, resume, size, patch;
  bool json = false;
};

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
  cmd->add_option("--input", c.input, "pixels | latent (the clips encoded by the autoencoder of --ae RUN)")
      ->capture_default_str();
  cmd->add_option("--ae", c.ae, "Autoencoder run (vidrep ae train) whose latents the network reads (--input latent)");
  cmd->add_option("--patch", args->patch, "vit tubelet PTxPHxPW (default 4x4x4 on pixels, 1x2x2 on latents)");
  cmd->add_option("--rnn", c.model.rnn, "gru | lstm (cnn_lstm and the audio encoder)")->capture_default_str();
  add_optimization_flags(cmd, c);
  cmd->add_option("--dropout", c.model.dropout, "Dropout before the classifier")->capture_default_str();
  cmd->add_option("--label-smoothing", c.label_smoothing, "Cross-entropy label smoothing")->capture_default_str();
  cmd->add_option("--patience", c.patience, "Early stop after N epochs without a better val metric (0: off)")->capture_default_str();
  cmd->add_option("--clip-len", c.model.frames, "Frames per clip")->capture_default_str();
  cmd->add_option("--frame-stride", c.frame_stride, "Frame step inside a clip")->capture_default_str();
  cmd->add_option("--size", args->size, "Frame size WxH (default 32x32)");
  cmd->add_option("--transform", c.transform, "Training augmentation, e.g. 'random_resized_crop=32:0.6-1,color_jitter=0.2'");
  cmd->add_flag("--json", args->json, "Print one JSON summary line at the end (epoch lines go to stderr)");
  cmd->callback([cmd, args] {
    if (!args->resume.empty()) {
      for (const char* name : {"--data", "--out", "--config", "--model", "--modality", "--epochs", "--size", "--seed", "--init"})
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
    if (!args->patch.empty() || config.input == "latent") {
      const PatchSize p = args->patch.empty() ? PatchSize{1, 2, 2} : parse_patch_size(args->patch, "--patch");
      config.model.patch_t = p.t;
      config.model.patch_h = p.h;
      config.model.patch_w = p.w;
    }
    if (config.input == "latent" && !config.ae.empty() && cmd->count("--clip-len") == 0 && args->config_file.empty()) {
      // The default clip length shrinks to the nearest 1 + k * compress_t frames the autoencoder takes.
      const int64_t ct = load_run_info(config.ae).config.autoencoder.compress_t;
      config.model.frames = 1 + (config.model.frames - 1) / ct * ct;
    }

    run_training(config, args->out, args->resume, args->json, "vidrep train");
  });
}

}  // namespace vidrep::cli
