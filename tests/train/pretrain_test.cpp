// Self-supervised pretraining through the trainer and the CLI: a pretrain run on unlabelled videos,
// a classifier that starts from its encoder (--init) and inherits its encoder's config, and the
// errors for encoders that do not match or cannot be pretrained.
#include "vidrep/data/dataset.h"
#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/models/masked_video.h"
#include "vidrep/models/network.h"
#include "vidrep/train/checkpoint.h"
#include "vidrep/train/config.h"
#include "vidrep/train/run.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "support/fixtures.h"

namespace vidrep {
namespace {
namespace fs = std::filesystem;

// 8 classes x (4 train + 2 val + 2 test) videos of 8 frames at 32x32, and the same videos as a
// folder of unlabelled files.
const std::string& labelled() {
  static const std::string dir = [] {
    const std::string d = test::scratch_dir("pretrain_motion") + "/motion";
    synth::SynthOptions s;
    s.out = d;
    s.per_class = 4;
    s.frames = 8;
    synth::synth_dataset(s);
    return d;
  }();
  return dir;
}

const std::string& unlabelled() {
  static const std::string dir = [] {
    const std::string d = test::scratch_dir("pretrain_plain") + "/videos";
    fs::create_directories(d);
    int n = 0;
    for (const char* split : {"train", "val"})
      for (const Sample& s : load_dataset(labelled(), split).samples) fs::copy_file(s.path, fmt::format("{}/{:03}.mp4", d, n++));
    return d;
  }();
  return dir;
}

TrainConfig pretrain_config(const std::string& arch) {
  TrainConfig c = default_train_config(Task::Pretrain);
  c.data = unlabelled();
  c.model.arch = arch;
  c.model.frames = 8;
  c.model.channels = 8;
  c.model.hidden = 16;
  c.model.depth = 1;
  c.model.heads = 2;
  c.epochs = 2;
  c.warmup = 0;
  c.batch = 8;
  c.threads = 2;
  return c;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// One pretrain run per arch, made once.
const std::string& pretrained(const std::string& arch) {
  static std::map<std::string, std::string> runs;
  if (!runs.count(arch)) {
    const std::string run = test::scratch_dir("pretrain_run_" + arch) + "/run";
    train(pretrain_config(arch), run);
    runs[arch] = run;
  }
  return runs[arch];
}

TEST(Pretrain, TrainsOnUnlabelledVideosAndRecordsTheMaskedSnr) {
  const std::string run = pretrained("vit");
  const RunInfo info = load_run_info(run);
  EXPECT_EQ(info.config.task, Task::Pretrain);
  EXPECT_DOUBLE_EQ(mask_ratio_of(info.config), 0.9);  // vit's default
  EXPECT_EQ(info.config.pretrain_target, "motion");
  EXPECT_EQ(info.config.transform.value_or(""), default_augmentation(info.config));
  EXPECT_EQ(preprocess_of(info.config), kPixelNormalization);  // what the classifier will see
  const auto lines = read_jsonl(info.metrics_path());
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    EXPECT_TRUE(l.contains("train_snr") && l.contains("val_snr")) << l.dump();
    EXPECT_NEAR(l["val_snr"].get<double>(), -10 * std::log10(l["val_loss"].get<double>()), 1e-6);
  }
  EXPECT_TRUE(fs::exists(run + "/best.pt"));
  EXPECT_DOUBLE_EQ(mask_ratio_of(load_run_info(pretrained("c3d")).config), 0.75);
}

// A classifier with --init starts from the pretrained encoder's weights (a rate too small to move
// them keeps them), inherits its encoder config, and builds its own head.
TEST(Pretrain, FineTuningStartsFromThePretrainedEncoder) {
  for (const std::string arch : {"vit", "c3d"}) {
    const std::string from = pretrained(arch);
    const RunInfo pre = load_run_info(from);
    TrainConfig c = resolve_train_config(Task::Classify, "",
                                         {{"data", labelled()}, {"init", from}, {"epochs", 1}, {"lr", 1e-12},
                                          {"weight_decay", 0}, {"threads", 2}, {"batch", 8}});
    EXPECT_EQ(c.model.arch, arch);
    EXPECT_EQ(c.model.frames, 8);
    EXPECT_EQ(c.model.hidden, 16);
    const std::string run = test::scratch_dir("pretrain_init_" + arch) + "/run";
    train(c, run);

    models::MaskedVideo source(pre.config.model, mask_ratio_of(pre.config), pre.config.pretrain_target);
    load_checkpoint(pre.checkpoint("best"), *source, nullptr, nullptr);
    const RunInfo tuned = load_run_info(run);
    VideoNet net = make_network(tuned.config.model);
    load_checkpoint(tuned.checkpoint("last"), *net, nullptr, nullptr);
    const auto params = net->named_parameters();
    int64_t compared = 0;
    for (const auto& p : source->named_parameters()) {
      if (p.key().rfind("video.", 0) != 0) continue;
      ASSERT_NE(params.find(p.key()), nullptr) << p.key();
      EXPECT_TRUE(at::allclose(params[p.key()], p.value(), 1e-5, 1e-7)) << arch << " " << p.key();
      ++compared;
    }
    EXPECT_GT(compared, 4) << arch;
  }
}

TEST(Pretrain, MismatchedEncodersAndUnfitModelsAreRefused) {
  const std::string dir = test::scratch_dir("pretrain_errors");
  TrainConfig c = resolve_train_config(Task::Classify, "",
                                       {{"data", labelled()}, {"init", pretrained("vit")}, {"epochs", 1}, {"threads", 2},
                                        {"model", {{"hidden", 32}}}});
  EXPECT_NE(test::error_message<ConfigError>([&] { train(c, dir + "/wider"); }).find("fine-tune the same encoder"),
            std::string::npos);
  TrainConfig lstm = pretrain_config("cnn_lstm");
  EXPECT_NE(test::error_message<ConfigError>([&] { train(lstm, dir + "/lstm"); }).find("pretraining takes vit or c3d"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/lstm/config.json"));
}

TEST(PretrainCli, PretrainThenFineTuneFromTheCommandLine) {
  const std::string dir = test::scratch_dir("pretrain_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " pretrain --help", &out), 0);
  for (const char* flag : {"--data", "--model", "--mask-ratio", "--out", "--resume", "--init"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  ASSERT_EQ(test::run(test::cli() + " pretrain --data " + unlabelled() + " --model vit --clip-len 8 --hidden 16 "
                      "--depth 1 --epochs 1 --mask-ratio 0.5 --target pixels --threads 2 --out " + dir + "/pre --json", &out), 0) << out;
  const auto summary = nlohmann::json::parse(out.substr(out.rfind('{')));
  EXPECT_TRUE(summary.contains("best_val_snr")) << out;
  EXPECT_DOUBLE_EQ(mask_ratio_of(load_run_info(dir + "/pre").config), 0.5);
  EXPECT_EQ(load_run_info(dir + "/pre").config.pretrain_target, "pixels");
  ASSERT_EQ(test::run(test::cli() + " train --data " + labelled() + " --init " + dir + "/pre --epochs 1 --threads 2 "
                      "--out " + dir + "/tuned --json", &out), 0) << out;
  EXPECT_EQ(load_run_info(dir + "/tuned").config.model.arch, "vit");
  EXPECT_EQ(test::run(test::cli() + " pretrain --resume " + dir + "/pre --model c3d", &out), 2);
  EXPECT_NE(out.find("--resume continues a run with its saved config; leave --model out"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " eval --run " + dir + "/pre", &out), 2);
  EXPECT_NE(out.find("a pretrain run has no classifier to evaluate"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " pretrain --data " + unlabelled() + " --model frame2d --out " + dir + "/bad", &out), 2);
  EXPECT_NE(out.find("pretraining takes vit or c3d"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
