// vidrep train --data DIR --model ARCH [--task classify|contrastive] [--buckets B.json] [...] --out RUN
// vidrep train --resume RUN
#include "cli_common.h"
#include "train_console.h"

#include "vidrep/error.h"
#include "vidrep/tokens/bucket_config.h"
#include "vidrep/tokens/patchify.h"
#include "vidrep/train/config.h"
#include "vidrep/train/run.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace vidrep::cli {

namespace {

// The range test's curve (every tenth rate), where it turned, and the suggestion.
void print_lr_range(const LrRange& r, const TrainConfig& c, bool json) {
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"lrs", r.lrs}, {"losses", r.losses}, {"suggested_lr", r.suggested},
                                      {"diverged", r.diverged}, {"model", c.model.arch}, {"data", c.data}}
                           .dump());
    return;
  }
  fmt::print("{:>10}  {:>8}\n", "lr", "loss");
  const size_t every = std::max<size_t>(1, r.lrs.size() / 20);
  for (size_t i = 0; i < r.lrs.size(); i += every) fmt::print("{:>10.2e}  {:>8.4f}\n", r.lrs[i], r.losses[i]);
  fmt::print("{}; suggested --lr {:.2e} (a tenth of the rate at the lowest loss; the default is {})\n",
             r.diverged ? fmt::format("the loss blew up at lr {:.2e}", r.lrs.back())
                        : fmt::format("the loss never blew up up to lr {:.2e}", r.lrs.back()),
             r.suggested, c.lr);
}

}  // namespace

void register_train(CLI::App& app) {
  struct Args {
    std::string config_file, out, resume, size, patch, buckets, task = "classify";
    double temperature = TrainConfig{}.temperature, segment_seconds = TrainConfig{}.segment_seconds,
           entropy_weight = TrainConfig{}.entropy_weight;
    bool json = false, print_config = false, find_lr = false;
    int64_t find_lr_steps = 100;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "Train a video/audio classifier on a dataset folder, or a copy-detection "
                                              "descriptor on unlabelled videos (--task contrastive); writes a run folder");
  auto flags = std::make_shared<ConfigFlags>(cmd, Task::Classify);
  TrainConfig& c = flags->config();
  cmd->add_option("--task", args->task,
                  "classify (labelled clips) | contrastive (unlabelled videos: two copy-style augmented views of each "
                  "clip pulled together by InfoNCE; the run's embedding is a descriptor for vidrep embed/index "
                  "--method run:RUN). Contrastive defaults: --model frame2d, 60 epochs, --embed-dim 128, --frame-stride 2, the augmentation "
                  "'" + std::string(kContrastiveAugmentation) + "' ({T}: --clip-len, {W}x{H}: --size)")
      ->check(CLI::IsMember({"classify", "contrastive"}))
      ->capture_default_str();
  flags->add("--data", c.data, "/data",
             "Dataset folder: {train,val,test}.txt lists, {split}/<class>/ folders or {split}.csv (contrastive: "
             "labels are ignored, and a folder of video files will do)");
  cmd->add_option("--out", args->out, "Run folder to create (config.json, metrics.jsonl, best.pt, last.pt)");
  cmd->add_option("--resume", args->resume, "Continue an interrupted run from RUN/last.pt (other options come from RUN/config.json)");
  cmd->add_option("--config", args->config_file,
                  "JSON with any TrainConfig keys (as in RUN/config.json); the flags given override it");
  flags->add("--model", c.model.arch, "/model/arch", "frame2d | cnn_lstm | c3d | vit");
  flags->add("--modality", c.model.modality, "/model/modality", "video | audio | av");
  flags->add("--fusion", c.model.fusion, "/model/fusion", "concat | mean | gated | attention (modality av)");
  flags->add("--input", c.input, "/input", "pixels | latent (the clips encoded by the autoencoder of --ae RUN)");
  flags->add("--ae", c.ae, "/ae", "Autoencoder run (vidrep ae train) whose latents the network reads (--input latent)");
  cmd->add_option("--patch", args->patch, "vit tubelet PTxPHxPW (default 4x4x4 on pixels, 1x2x2 on latents)");
  flags->add("--rnn", c.model.rnn, "/model/rnn", "gru | lstm (cnn_lstm and the audio encoder)");
  add_optimization_flags(*flags);
  flags->add("--dropout", c.model.dropout, "/model/dropout", "Dropout before the classifier (cnn_lstm: 0.5)");
  flags->add("--label-smoothing", c.label_smoothing, "/label_smoothing", "Cross-entropy label smoothing");
  flags->add("--embed-dim", c.model.embed_dim, "/model/embed_dim", "Size of the L2-normalised embedding (contrastive: 128)");
  // Keys of task contrastive only (absent from a classify config.json): recorded with set() when given.
  cmd->add_option("--temperature", args->temperature, "contrastive: InfoNCE softmax temperature")->capture_default_str();
  cmd->add_option("--entropy-weight", args->entropy_weight,
                  "contrastive: weight of the KoLeo term that spreads descriptors apart (SSCD; 0: off)")
      ->capture_default_str();
  cmd->add_option("--segment-seconds", args->segment_seconds,
                  "contrastive: cut each video into samples of this many seconds, so an epoch draws from every part "
                  "(0: one sample per video)")
      ->capture_default_str();
  flags->add("--clip-len", c.model.frames, "/model/frames",
             "Frames per clip (input latent: the longest up to it that the autoencoder takes)");
  flags->add("--frame-stride", c.frame_stride, "/frame_stride", "Frame step inside a clip");
  cmd->add_option("--buckets", args->buckets,
                  "Bucket table JSON: train at each video's native aspect ratio and duration, one shape per batch "
                  "(Sora style; the network is sized for the largest bucket in use)");
  cmd->add_option("--size", args->size, fmt::format("Frame size WxH (default {}x{})", c.model.width, c.model.height));
  add_clip_flags(*flags);
  cmd->add_flag("--json", args->json, "Print one JSON summary line at the end (epoch lines go to stderr)");
  cmd->add_flag("--find-lr", args->find_lr,
                "Run the learning-rate range test (rates 1e-6 to 1, rising exponentially, one per batch) on the "
                "training split, print the smoothed loss per rate and a suggested --lr, and exit (writes nothing)");
  cmd->add_option("--find-lr-steps", args->find_lr_steps, "Batches the range test takes")->capture_default_str();
  cmd->add_flag("--print-config", args->print_config,
                "Print the run's config.json (defaults, then --config, then the flags given) and exit without training");
  cmd->callback([cmd, args, flags] {
    if (!args->resume.empty()) {
      refuse_with_resume(*cmd, args->resume, {"--data", "--out", "--config", "--model", "--modality", "--epochs", "--size", "--seed", "--init", "--task"});
      run_training(flags->config(), args->out, args->resume, args->json, "vidrep train", flags->distributed());
      return;
    }
    if (args->out.empty() && !args->print_config && !args->find_lr) throw InvalidArgument("train: --out RUN is required (or --resume RUN)");
    if (!args->size.empty()) {
      const auto [w, h] = parse_size(args->size, "--size");
      flags->set("/model/width", w);
      flags->set("/model/height", h);
    }
    if (!args->buckets.empty()) flags->set("/buckets", nlohmann::json::parse(BucketConfig::load(args->buckets).to_json()));
    if (!args->patch.empty()) {
      const PatchSize p = parse_patch_size(args->patch, "--patch");
      flags->set("/model/patch_t", p.t);
      flags->set("/model/patch_h", p.h);
      flags->set("/model/patch_w", p.w);
    }
    if (cmd->count("--temperature") > 0) flags->set("/temperature", args->temperature);
    if (cmd->count("--segment-seconds") > 0) flags->set("/segment_seconds", args->segment_seconds);
    if (cmd->count("--entropy-weight") > 0) flags->set("/entropy_weight", args->entropy_weight);
    const Task task = parse_task(args->task);
    for (const char* name : {"--temperature", "--segment-seconds", "--entropy-weight"})
      if (task != Task::Contrastive && cmd->count(name) > 0)
        throw InvalidArgument(fmt::format("train: {} is for --task contrastive", name));
    const TrainConfig config = resolve_train_config(task, args->config_file, flags->given());
    if (args->print_config) {
      fmt::print("{}\n", nlohmann::json(config).dump(2));
      return;
    }
    if (args->find_lr) {
      if (flags->distributed().launches() || distributed_from_environment().active())
        throw InvalidArgument("train: --find-lr runs in one process; leave out --nproc-per-node / --nnodes");
      print_lr_range(find_lr(config, args->find_lr_steps), config, args->json);
      return;
    }
    run_training(config, args->out, "", args->json, "vidrep train", flags->distributed());
  });
}

}  // namespace vidrep::cli
