#include "vidrep/train/config.h"

#include "vidrep/config_json.h"
#include "vidrep/data/dataset.h"
#include "vidrep/error.h"
#include "vidrep/tokens/bucket_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace vidrep {
namespace {

constexpr const char* kWhat = "train config";

template <typename T>
void read(const nlohmann::json& j, const char* key, T& field) {
  read_key(j, kWhat, key, field);
}

// A text key whose absence means "the default" (transform, preprocess): unset when missing.
void read_text(const nlohmann::json& j, const char* key, std::optional<std::string>& field) {
  field.reset();
  if (!j.contains(key)) return;
  std::string text;
  read(j, key, text);
  field = text;
}

void require(bool ok, const char* key, const std::string& why) { require_key(ok, kWhat, key, why); }

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw OpenError(fmt::format("{}: cannot read the config file", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
    throw ConfigError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  if (!j.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object", path));
  return j;
}

bool has_key(const nlohmann::json& j, const char* pointer) {
  return j.contains(nlohmann::json::json_pointer(pointer));
}

}  // namespace

const char* task_name(Task task) {
  switch (task) {
    case Task::Autoencode:
      return "autoencode";
    case Task::Pretrain:
      return "pretrain";
    case Task::Contrastive:
      return "contrastive";
    case Task::Classify:
      break;
  }
  return "classify";
}

Task parse_task(const std::string& name) {
  if (name == "classify") return Task::Classify;
  if (name == "autoencode") return Task::Autoencode;
  if (name == "pretrain") return Task::Pretrain;
  if (name == "contrastive") return Task::Contrastive;
  throw ConfigError(fmt::format("{}: key 'task': '{}' is not classify, autoencode, pretrain or contrastive", kWhat, name));
}

std::string default_preprocess(Task task, const std::string& input) {
  return task != Task::Autoencode && input == "pixels" ? kPixelNormalization : "";
}

double mask_ratio_of(const TrainConfig& c) { return c.mask_ratio.value_or(c.model.arch == "vit" ? 0.9 : 0.75); }

std::string default_augmentation(const TrainConfig& c) {
  if (c.task == Task::Autoencode) return kAutoencoderAugmentation;
  if (c.input != "pixels" || c.model.modality == "audio") return "";
  if (c.task == Task::Contrastive) {
    std::string text = kContrastiveAugmentation;
    for (const auto& [key, value] : {std::pair<std::string, int64_t>{"{T}", c.model.frames}, {"{W}", c.model.width}, {"{H}", c.model.height}})
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key)) text.replace(at, key.size(), std::to_string(value));
    return text;
  }
  // Bucketed batches keep each clip's own shape: no crop to one size.
  if (!c.buckets.empty()) return "color_jitter=0.3:0.3:0.3:0.02,temporal_jitter=2";
  return fmt::format("random_resized_crop={}x{}:0.6-1:0.8-1.25,color_jitter=0.3:0.3:0.3:0.02,temporal_jitter=2",
                     c.model.width, c.model.height);
}

std::string augmentation_of(const TrainConfig& c) {
  const std::string text = c.transform.value_or(default_augmentation(c));
  if (!c.hflip) return text;
  return text.empty() ? "hflip=0.5" : text + ",hflip=0.5";
}

std::string preprocess_of(const TrainConfig& c) { return c.preprocess.value_or(default_preprocess(c.task, c.input)); }

TrainConfig default_train_config(Task task) {
  TrainConfig c;
  c.task = task;
  if (task == Task::Autoencode) {
    c.epochs = 100;
    c.lr = 5e-4;
    c.beta2 = 0.99;
    c.weight_decay = 0;
    c.patience = 0;
    c.autoencoder.loss = "psnr";
  }
  if (task == Task::Pretrain) {
    c.epochs = 100;
    c.warmup = 5;
    c.patience = 0;
  }
  if (task == Task::Contrastive) {
    c.epochs = 60;
    c.warmup = 2;
    c.patience = 0;
    c.model.arch = "frame2d";
    c.model.embed_dim = 128;
    c.frame_stride = 2;
  }
  return c;
}

void to_json(nlohmann::json& j, const TrainConfig& c) {
  j = nlohmann::json{{"task", task_name(c.task)},
                     {"data", c.data},
                     {"epochs", c.epochs},
                     {"min_steps", c.min_steps},
                     {"batch", c.batch},
                     {"optimizer", c.optimizer},
                     {"lr", c.lr},
                     {"momentum", c.momentum},
                     {"beta2", c.beta2},
                     {"weight_decay", c.weight_decay},
                     {"schedule", c.schedule},
                     {"warmup", c.warmup},
                     {"step_epochs", c.step_epochs},
                     {"gamma", c.gamma},
                     {"grad_clip", c.grad_clip},
                     {"label_smoothing", c.label_smoothing},
                     {"patience", c.patience},
                     {"min_epochs", c.min_epochs},
                     {"frame_stride", c.frame_stride},
                     {"transform", c.transform.value_or(default_augmentation(c))},
                     {"hflip", c.hflip},
                     {"preprocess", preprocess_of(c)},
                     {"audio_seconds", c.audio_seconds},
                     {"seed", c.seed},
                     {"threads", c.threads},
                     {"workers", c.workers},
                     {"init", c.init}};
  if (!c.buckets.empty()) j["buckets"] = nlohmann::json::parse(c.buckets);
  if (c.task == Task::Autoencode) {
    j["autoencoder"] = c.autoencoder;
  } else {
    j["model"] = c.model;
    j["input"] = c.input;
    j["ae"] = c.ae;
  }
  if (c.task == Task::Pretrain) {
    j["mask_ratio"] = mask_ratio_of(c);
    j["pretrain_target"] = c.pretrain_target;
  }
  if (c.task == Task::Contrastive) {
    j["temperature"] = c.temperature;
    j["segment_seconds"] = c.segment_seconds;
    j["entropy_weight"] = c.entropy_weight;
  }
}

void from_json(const nlohmann::json& j, TrainConfig& c) {
  if (!j.is_object()) throw ConfigError("train config: expected a JSON object");
  static const std::set<std::string> keys = {
      "data", "epochs", "min_steps", "batch", "optimizer", "lr", "momentum", "beta2", "weight_decay", "schedule", "warmup", "step_epochs",
      "gamma", "grad_clip", "label_smoothing", "patience", "min_epochs", "frame_stride", "transform", "hflip", "preprocess", "audio_seconds", "seed", "threads", "workers",
      "model", "task", "autoencoder", "input", "ae", "init", "buckets", "mask_ratio", "pretrain_target", "temperature", "segment_seconds", "entropy_weight"};
  for (const auto& [key, value] : j.items())
    if (!keys.count(key)) throw ConfigError(fmt::format("train config: unknown key '{}'", key));
  std::string task = task_name(c.task);
  read(j, "task", task);
  c.task = parse_task(task);
  read(j, "input", c.input);
  read(j, "ae", c.ae);
  read(j, "init", c.init);
  read(j, "pretrain_target", c.pretrain_target);
  read(j, "temperature", c.temperature);
  read(j, "segment_seconds", c.segment_seconds);
  read(j, "entropy_weight", c.entropy_weight);
  if (j.contains("mask_ratio")) {
    double ratio = 0;
    read(j, "mask_ratio", ratio);
    c.mask_ratio = ratio;
  }
  read(j, "data", c.data);
  read(j, "epochs", c.epochs);
  read(j, "min_steps", c.min_steps);
  read(j, "batch", c.batch);
  read(j, "optimizer", c.optimizer);
  read(j, "lr", c.lr);
  read(j, "momentum", c.momentum);
  read(j, "beta2", c.beta2);
  read(j, "weight_decay", c.weight_decay);
  read(j, "schedule", c.schedule);
  read(j, "warmup", c.warmup);
  read(j, "step_epochs", c.step_epochs);
  read(j, "gamma", c.gamma);
  read(j, "grad_clip", c.grad_clip);
  read(j, "label_smoothing", c.label_smoothing);
  read(j, "patience", c.patience);
  read(j, "frame_stride", c.frame_stride);
  read(j, "min_epochs", c.min_epochs);
  read_text(j, "transform", c.transform);
  read(j, "hflip", c.hflip);
  read_text(j, "preprocess", c.preprocess);
  read(j, "audio_seconds", c.audio_seconds);
  read(j, "seed", c.seed);
  read(j, "threads", c.threads);
  read(j, "workers", c.workers);
  if (j.contains("buckets")) {
    const nlohmann::json& b = j.at("buckets");
    if (!b.is_object() && !b.is_null())
      throw ConfigError(fmt::format("train config: key 'buckets': expected a bucket table object, got {}", b.dump()));
    c.buckets = b.is_null() ? "" : BucketConfig::from_json(b.dump()).to_json();
  }
  if (j.contains("model")) c.model = j.at("model").get<ModelConfig>();
  if (j.contains("autoencoder")) c.autoencoder = j.at("autoencoder").get<AutoencoderConfig>();
}

void validate(const TrainConfig& c) {
  require(c.input == "pixels" || c.input == "latent", "input", fmt::format("'{}' is not pixels or latent", c.input));
  require(c.input == "pixels" || !c.ae.empty(), "ae", "input latent needs the autoencoder run (--ae RUN)");
  require(c.epochs >= 1, "epochs", "must be >= 1");
  require(c.min_steps >= 0, "min_steps", "must be >= 0 (0: off)");
  require(c.batch >= 1, "batch", "must be >= 1");
  require(c.optimizer == "sgd" || c.optimizer == "adam" || c.optimizer == "adamw", "optimizer",
          fmt::format("'{}' is not sgd, adam or adamw", c.optimizer));
  require(c.lr > 0, "lr", "must be > 0");
  require(c.momentum >= 0 && c.momentum < 1, "momentum", "must be in [0,1)");
  require(c.beta2 > 0 && c.beta2 < 1, "beta2", "must be in (0,1)");
  require(c.weight_decay >= 0, "weight_decay", "must be >= 0");
  require(c.schedule == "cosine" || c.schedule == "step", "schedule",
          fmt::format("'{}' is not cosine or step", c.schedule));
  require(c.warmup >= 0, "warmup", "must be >= 0");
  require(c.step_epochs >= 1, "step_epochs", "must be >= 1");
  require(c.gamma > 0 && c.gamma <= 1, "gamma", "must be in (0,1]");
  require(c.grad_clip >= 0, "grad_clip", "must be >= 0 (0: off)");
  require(c.label_smoothing >= 0 && c.label_smoothing < 1, "label_smoothing", "must be in [0,1)");
  require(c.patience >= 0, "patience", "must be >= 0 (0: off)");
  require(c.min_epochs >= 0, "min_epochs", "must be >= 0");
  require(c.frame_stride >= 1, "frame_stride", "must be >= 1");
  require(c.audio_seconds > 0, "audio_seconds", "must be > 0");
  require(c.threads >= 0, "threads", "must be >= 0 (0: one per core)");
  require(c.workers >= 0, "workers", "must be >= 0");
  require(c.buckets.empty() || c.task == Task::Classify, "buckets", "bucketed training is for task classify");
  require(c.buckets.empty() || c.input == "pixels", "buckets", "bucketed training reads pixels (input pixels)");
  if (c.task == Task::Autoencode) {
    validate(c.autoencoder);
  } else if (c.task == Task::Pretrain) {
    require(c.input == "pixels", "input", "pretraining reads pixels (input pixels)");
    require(c.model.modality == "video", "model", "pretraining trains a video encoder (modality video)");
    require(c.model.arch == "vit" || c.model.arch == "c3d", "model",
            fmt::format("pretraining takes vit or c3d, got '{}'", c.model.arch));
    const double ratio = mask_ratio_of(c);
    require(ratio > 0 && ratio < 1, "mask_ratio", fmt::format("must be in (0,1), got {}", ratio));
    require(c.pretrain_target == "pixels" || c.pretrain_target == "motion", "pretrain_target",
            fmt::format("'{}' is not pixels or motion", c.pretrain_target));
    ModelConfig m = c.model;
    m.num_classes = 1;  // no classifier: any count passes
    validate(m);
  } else if (c.task == Task::Contrastive) {
    require(c.input == "pixels", "input", "contrastive training reads pixels (input pixels)");
    require(c.model.modality == "video", "model", "contrastive training embeds video (modality video)");
    require(c.temperature > 0 && c.temperature <= 10, "temperature", fmt::format("must be in (0,10], got {}", c.temperature));
    require(c.batch >= 2, "batch", "contrastive training needs at least 2 clips per batch (the others are the negatives)");
    require(c.segment_seconds >= 0, "segment_seconds", "must be >= 0 (0: one sample per video)");
    require(c.entropy_weight >= 0, "entropy_weight", "must be >= 0 (0: InfoNCE alone)");
    ModelConfig m = c.model;
    m.num_classes = 1;  // the classifier head is not trained: any count passes
    validate(m);
  } else if (c.input == "pixels") {
    validate(c.model);
  }
}

ModelConfig network_config(const TrainConfig& c, const AutoencoderConfig& ae) {
  if (c.input != "latent") return c.model;
  ModelConfig m = c.model;
  std::array<int64_t, 3> latent{};
  try {
    latent = ae.latent_shape({c.model.frames, c.model.height, c.model.width});
  } catch (const InvalidArgument& e) {
    throw ConfigError(fmt::format("{}: the clips do not fit the autoencoder: {}", c.ae, e.what()));
  }
  m.in_channels = ae.latent_channels;
  m.frames = latent[0];
  m.height = latent[1];
  m.width = latent[2];
  validate(m);
  return m;
}

TrainConfig merge_config(const TrainConfig& base, const nlohmann::json& patch, const std::string& what) {
  if (!patch.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object", what));
  nlohmann::json merged = base;
  merged.merge_patch(patch);
  try {
    return merged.get<TrainConfig>();
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", what, e.what()));
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: {}", what, e.what()));
  }
}

TrainConfig merge_config_file(const TrainConfig& base, const std::string& path) {
  return merge_config(base, read_json_file(path), path);
}

namespace {

// A classify run started from a pretrain or contrastive run takes the pretrained encoder's model keys (arch, clip
// size, widths, patch, ...) that the user did not give, so `--init RUN` alone fine-tunes the same
// network. The run's own config.json is read here (train/run.h reads the same file; this file
// stays free of the network headers).
void inherit_encoder(TrainConfig& c, const nlohmann::json& given) {
  const std::string path = (std::filesystem::path(c.init) / "config.json").string();
  if (!std::filesystem::exists(path)) return;  // train() reports a missing run with its own message
  const TrainConfig from = merge_config_file(TrainConfig{}, path);
  if (from.task != Task::Pretrain && from.task != Task::Contrastive) return;
  nlohmann::json model = c.model;
  const nlohmann::json pretrained = from.model;
  for (const auto& [key, value] : pretrained.items()) {
    static const std::set<std::string> head = {"num_classes", "multi_label", "modality", "fusion", "dropout", "embed_dim",
                                               "mel_frames", "mel_bins", "rnn"};
    if (!head.count(key) && !has_key(given, ("/model/" + key).c_str())) model[key] = value;
  }
  c.model = model.get<ModelConfig>();
}

}  // namespace

TrainConfig resolve_train_config(Task task, const std::string& config_file, const nlohmann::json& flags) {
  TrainConfig c = default_train_config(task);
  nlohmann::json given = nlohmann::json::object();
  if (!config_file.empty()) {
    const nlohmann::json file = read_json_file(config_file);
    if (file.contains("task") && file["task"] != task_name(task))
      throw ConfigError(fmt::format("{}: a config for task {}; this command trains task {}", config_file,
                                    file["task"].dump(), task_name(task)));
    c = merge_config(c, file, config_file);
    given.merge_patch(file);
  }
  c = merge_config(c, flags, "command line");
  given.merge_patch(flags);
  c.task = task;
  if (!has_key(given, "/preprocess")) c.preprocess.reset();
  if (!has_key(given, "/transform")) c.transform.reset();
  if (!has_key(given, "/mask_ratio")) c.mask_ratio.reset();
  if (task == Task::Classify && !c.init.empty()) inherit_encoder(c, given);
  // Per family (bench/learning/): cnn_lstm fits its training clips fastest and generalised best at
  // a higher rate with more dropout (two seeds on three sets), given more steps to learn under them
  // (three seeds on four sets: 400 steps left it at 87.5-90 % on the held-out set, 2000 at 92.5-100 %).
  if (task == Task::Classify && c.model.arch == "cnn_lstm") {
    if (!has_key(given, "/lr")) c.lr = 4e-3;
    if (!has_key(given, "/model/dropout")) c.model.dropout = 0.5;
    if (!has_key(given, "/min_steps")) c.min_steps = 2000;
  }
  if (task == Task::Classify && !has_key(given, "/epochs") && c.min_steps > 0 && c.batch > 0 && !c.data.empty()) {
    try {
      const auto videos = static_cast<int64_t>(load_dataset(c.data, "train").samples.size());
      const int64_t per_epoch = std::max<int64_t>(1, (videos + c.batch - 1) / c.batch);
      c.epochs = std::max(c.epochs, (c.min_steps + per_epoch - 1) / per_epoch);
    } catch (const Error&) {
      // An unreadable dataset is train()'s error to report, with its own message.
    }
  }
  if (!has_key(given, "/min_epochs")) c.min_epochs = c.epochs / 2;
  if (task == Task::Classify && c.input == "latent") {
    if (!has_key(given, "/model/patch_t") && !has_key(given, "/model/patch_h") && !has_key(given, "/model/patch_w")) {
      c.model.patch_t = 1;
      c.model.patch_h = 2;
      c.model.patch_w = 2;
    }
    if (!has_key(given, "/model/frames") && !c.ae.empty()) {
      // The autoencoder run's own config (train/run.h reads the same file; this file stays free of
      // the network headers).
      const TrainConfig ae = merge_config_file(TrainConfig{}, (std::filesystem::path(c.ae) / "config.json").string());
      if (ae.task != Task::Autoencode)
        throw ConfigError(fmt::format("{}: not an autoencoder run (task {})", c.ae, task_name(ae.task)));
      const int64_t ct = ae.autoencoder.compress_t;
      c.model.frames = 1 + (c.model.frames - 1) / ct * ct;
    }
  }
  return c;
}

}  // namespace vidrep
