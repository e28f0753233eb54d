// vidrep pretrain --data DIR --model vit|c3d --out RUN    |    vidrep pretrain --resume RUN
// Self-supervised masked tube modelling of a video encoder on unlabelled clips
// (models/masked_video.h); `vidrep train --init RUN` then fine-tunes a classifier from it.
#include "cli_common.h"
#include "train_console.h"

#include "vidrep/error.h"
#include "vidrep/tokens/patchify.h"
#include "vidrep/train/config.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_pretrain(CLI::App& app) {
  struct Args {
    std::string config_file, out, resume, size, patch;
    double mask_ratio = 0;
    bool json = false, print_config = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "pretrain", "Pretrain a video encoder on unlabelled videos by masked tube modelling (VideoMAE-style); "
                  "vidrep train --init RUN fine-tunes it");
  auto flags = std::make_shared<ConfigFlags>(cmd, Task::Pretrain);
  TrainConfig& c = flags->config();
  flags->add("--data", c.data, "/data", "Dataset folder: any vidrep train layout (labels are ignored) or a folder of video files");
  cmd->add_option("--out", args->out, "Run folder to create (config.json, metrics.jsonl, best.pt, last.pt)");
  cmd->add_option("--resume", args->resume, "Continue an interrupted run from RUN/last.pt");
  cmd->add_option("--config", args->config_file,
                  "JSON with any TrainConfig keys (as in RUN/config.json); the flags given override it");
  flags->add("--model", c.model.arch, "/model/arch", "vit | c3d (the encoder to pretrain)");
  cmd->add_option("--mask-ratio", args->mask_ratio, "Fraction of patch cells hidden, as tubes through all frames "
                                                    "(default 0.9 for vit, 0.75 for c3d)");
  flags->add("--target", c.pretrain_target, "/pretrain_target",
             "What the hidden tubes are reconstructed as: motion (frame differences) | pixels (VideoMAE)");
  cmd->add_option("--patch", args->patch,
                  fmt::format("Patch PTxPHxPW: vit's tubelet, the mask cell and the target's normalisation unit "
                              "(default {}x{}x{})", c.model.patch_t, c.model.patch_h, c.model.patch_w));
  flags->add("--hidden", c.model.hidden, "/model/hidden", "Encoder width");
  flags->add("--depth", c.model.depth, "/model/depth", "vit blocks");
  flags->add("--channels", c.model.channels, "/model/channels", "c3d's first stage width");
  flags->add("--clip-len", c.model.frames, "/model/frames", "Frames per clip");
  flags->add("--frame-stride", c.frame_stride, "/frame_stride", "Frame step inside a clip");
  cmd->add_option("--size", args->size, fmt::format("Frame size WxH (default {}x{})", c.model.width, c.model.height));
  add_optimization_flags(*flags);
  add_clip_flags(*flags);
  cmd->add_flag("--json", args->json, "Print one JSON summary line at the end (epoch lines go to stderr)");
  cmd->add_flag("--print-config", args->print_config,
                "Print the run's config.json (defaults, then --config, then the flags given) and exit without training");
  cmd->callback([cmd, args, flags] {
    if (!args->resume.empty()) {
      refuse_with_resume(*cmd, args->resume, {"--data", "--out", "--config", "--model", "--epochs", "--size", "--seed", "--init"});
      run_training(flags->config(), args->out, args->resume, args->json, "vidrep pretrain", flags->distributed());
      return;
    }
    if (args->out.empty() && !args->print_config) throw InvalidArgument("pretrain: --out RUN is required (or --resume RUN)");
    if (!args->size.empty()) {
      const auto [w, h] = parse_size(args->size, "--size");
      flags->set("/model/width", w);
      flags->set("/model/height", h);
    }
    if (!args->patch.empty()) {
      const PatchSize p = parse_patch_size(args->patch, "--patch");
      flags->set("/model/patch_t", p.t);
      flags->set("/model/patch_h", p.h);
      flags->set("/model/patch_w", p.w);
    }
    if (cmd->count("--mask-ratio") > 0) flags->set("/mask_ratio", args->mask_ratio);
    const TrainConfig config = resolve_train_config(Task::Pretrain, args->config_file, flags->given());
    if (args->print_config) {
      fmt::print("{}\n", nlohmann::json(config).dump(2));
      return;
    }
    run_training(config, args->out, "", args->json, "vidrep pretrain", flags->distributed());
  });
}

}  // namespace vidrep::cli
