// Contrastive training (train/contrastive.h, task contrastive): the loss and its scores on made-up
// embeddings, a run on unlabelled videos that learns to pair two augmented views of a clip, its
// use as a descriptor and as a classifier's starting point, and the CLI around it.
#include "vidrep/apps/clip_embedding.h"
#include "vidrep/data/dataset.h"
#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/tensor.h"
#include "vidrep/train/config.h"
#include "vidrep/train/contrastive.h"
#include "vidrep/train/run.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/fixtures.h"

namespace vidrep {
namespace {
namespace fs = std::filesystem;

at::Tensor unit_rows(int64_t n, int64_t d, uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor z = torch::randn({n, d});
  return z / z.norm(2, 1, true);
}

TEST(Contrastive, InfoNceRewardsPairsAndPairHitsCountThem) {
  const at::Tensor a = unit_rows(8, 16, 1);
  // Identical views: every row finds its pair, and the loss is far below chance (log 15).
  const at::Tensor same = at::cat({a, a});
  EXPECT_EQ(pair_hits(same), 16);
  const double low = info_nce(same, 0.1).item<double>();
  EXPECT_LT(low, 0.5);
  // Views of other clips: no row finds its pair, and the loss is far above the matched one.
  const at::Tensor shuffled = at::cat({a, a.roll(1, 0)});
  EXPECT_EQ(pair_hits(shuffled), 0);
  EXPECT_GT(info_nce(shuffled, 0.1).item<double>(), std::log(15.0));
  EXPECT_DOUBLE_EQ(pair_accuracy(a, a), 1.0);
  EXPECT_DOUBLE_EQ(pair_accuracy(a, a.roll(1, 0)), 0.0);
  // The gradient pulls a row toward its pair.
  at::Tensor b = unit_rows(8, 16, 2).requires_grad_(true);
  const at::Tensor z = at::cat({a, b / b.norm(2, 1, true)});
  info_nce(z, 0.1).backward();
  const at::Tensor moved = b.detach() - 0.5 * b.grad();
  EXPECT_GT((moved / moved.norm(2, 1, true) * a).sum(1).mean().item<double>(), (b.detach() * a).sum(1).mean().item<double>());
  // KoLeo: clips crowded together (every row near one direction) score higher than spread ones,
  // and a clip's own pair does not count as its neighbour.
  const at::Tensor crowded = at::cat({a, a}) * 0.1 + unit_rows(1, 16, 9);
  EXPECT_GT(koleo(crowded / crowded.norm(2, 1, true)).item<double>(), koleo(same).item<double>() + 1.0);
  EXPECT_TRUE(std::isfinite(koleo(same).item<double>()));  // pairs are identical, yet not each other's nearest
  EXPECT_THROW(info_nce(unit_rows(3, 4, 0), 0.1), InvalidArgument);
  EXPECT_THROW(pair_accuracy(a, unit_rows(4, 16, 0)), InvalidArgument);
}

// 64 synthetic videos (16 frames, 32x32) as a folder of unlabelled files.
const std::string& unlabelled() {
  static const std::string dir = [] {
    const std::string root = test::scratch_dir("contrastive_videos");
    synth::SynthOptions s;
    s.out = root + "/motion";
    s.per_class = 4;
    s.frames = 16;
    synth::synth_dataset(s);
    const std::string d = root + "/videos";
    fs::create_directories(d);
    int n = 0;
    for (const char* split : {"train", "val", "test"})
      for (const Sample& v : load_dataset(s.out, split).samples) fs::copy_file(v.path, fmt::format("{}/{:03}.mp4", d, n++));
    return d;
  }();
  return dir;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

const std::string& contrastive_run() {
  static const std::string run = [] {
    const std::string dir = test::scratch_dir("contrastive_run") + "/run";
    const TrainConfig c = resolve_train_config(
        Task::Contrastive, "",
        {{"data", unlabelled()}, {"epochs", 6}, {"batch", 8}, {"threads", 2}, {"frame_stride", 1},
         {"model", {{"arch", "c3d"}, {"frames", 8}, {"channels", 8}, {"hidden", 32}}}});
    train(c, dir);
    return dir;
  }();
  return run;
}

TEST(Contrastive, ARunOnUnlabelledVideosLearnsToPairAugmentedViews) {
  const RunInfo info = load_run_info(contrastive_run());
  EXPECT_EQ(info.config.task, Task::Contrastive);
  EXPECT_EQ(info.config.model.embed_dim, 128);  // the task's default descriptor size
  EXPECT_DOUBLE_EQ(info.config.temperature, 0.1);
  EXPECT_EQ(info.config.transform.value_or(""), default_augmentation(info.config));
  EXPECT_NE(default_augmentation(info.config).find("speed=8:0.5-2"), std::string::npos);
  const auto lines = read_jsonl(info.metrics_path());
  ASSERT_EQ(lines.size(), 6u);
  double best = 0;
  for (const auto& l : lines) {
    ASSERT_TRUE(l.contains("train_pair_accuracy") && l.contains("val_pair_accuracy")) << l.dump();
    best = std::max(best, l["val_pair_accuracy"].get<double>());
  }
  // Above chance (one in the val split's clip count), and learning: the loss on the validation
  // split's fixed pairs falls (2.56 -> 2.14 when this was written), as does the training loss.
  const auto val = static_cast<double>(load_dataset(unlabelled(), "val").samples.size());
  EXPECT_GE(best, 2.0 / val) << "val clips " << val;
  EXPECT_LT(lines.back()["val_loss"].get<double>(), 0.95 * lines.front()["val_loss"].get<double>());
  EXPECT_LT(lines.back()["train_loss"].get<double>(), lines.front()["train_loss"].get<double>());
}

TEST(Contrastive, TheRunIsADescriptorAndAClassifiersStart) {
  const auto net = load_clip_embedding(contrastive_run(), false, 2);
  EXPECT_EQ(net->dim(), 128);
  EXPECT_EQ(net->frames(), 8);
  torch::manual_seed(3);
  const Array clips = to_array(torch::randint(0, 256, {3, 8, 32, 32, 3}).to(torch::kByte));
  const at::Tensor e = to_tensor(net->embed(clips));
  ASSERT_EQ(e.sizes(), (at::IntArrayRef{3, 128}));
  EXPECT_TRUE(at::allclose(e.norm(2, 1), at::ones({3}), 1e-5, 1e-5));
  // A classifier from its encoder: the encoder's config is inherited.
  const TrainConfig c = resolve_train_config(Task::Classify, "", {{"data", unlabelled()}, {"init", contrastive_run()}});
  EXPECT_EQ(c.model.arch, "c3d");
  EXPECT_EQ(c.model.hidden, 32);
  EXPECT_EQ(c.model.frames, 8);
}

TEST(ContrastiveCli, TrainEmbedAndRefusals) {
  const std::string dir = test::scratch_dir("contrastive_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " train --help", &out), 0);
  for (const char* flag : {"--task", "--temperature", "--embed-dim", "--segment-seconds"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  ASSERT_EQ(test::run(test::cli() + " train --task contrastive --data " + unlabelled() + " "
                      "--clip-len 4 --embed-dim 32 --temperature 0.2 --segment-seconds 1 --epochs 1 --batch 8 --threads 2 --out " +
                      dir + "/run --json", &out), 0) << out;
  EXPECT_DOUBLE_EQ(load_run_info(dir + "/run").config.temperature, 0.2);
  EXPECT_DOUBLE_EQ(load_run_info(dir + "/run").config.segment_seconds, 1);
  EXPECT_EQ(load_run_info(dir + "/run").config.model.embed_dim, 32);
  EXPECT_EQ(load_run_info(dir + "/run").config.model.arch, "frame2d");  // the task's default family
  EXPECT_DOUBLE_EQ(load_run_info(dir + "/run").config.entropy_weight, 3);
  const auto summary = nlohmann::json::parse(out.substr(out.rfind('{')));
  EXPECT_TRUE(summary.contains("best_val_pair_accuracy")) << out;
  ASSERT_EQ(test::run(test::cli() + " embed " + unlabelled() + "/000.mp4 --method run:" + dir + "/run --out " + dir +
                      "/e.npz", &out), 0) << out;
  EXPECT_TRUE(fs::exists(dir + "/e.npz"));
  EXPECT_EQ(test::run(test::cli() + " eval --run " + dir + "/run", &out), 2);
  EXPECT_NE(out.find("a contrastive run is a descriptor"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " predict --run " + dir + "/run " + unlabelled() + "/000.mp4", &out), 2);
  EXPECT_NE(out.find("no classes to predict"), std::string::npos) << out;
  EXPECT_NE(test::run(test::cli() + " train --task bogus --data " + unlabelled() + " --out " + dir + "/bad", &out), 0);
  EXPECT_EQ(test::run(test::cli() + " train --data " + unlabelled() + " --temperature 0.2 --out " + dir + "/bad", &out), 2);
  EXPECT_NE(out.find("--temperature is for --task contrastive"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " train --task contrastive --data " + unlabelled() + " --batch 1 --out " + dir + "/one", &out), 2);
  EXPECT_NE(out.find("at least 2 clips per batch"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/one/config.json"));
  // Fewer training samples than a batch (whole videos, one sample each): a clear error, not a run
  // without a step.
  EXPECT_EQ(test::run(test::cli() + " train --task contrastive --data " + unlabelled() + " --segment-seconds 0 "
                      "--batch 512 --epochs 1 --out " + dir + "/big", &out), 2);
  EXPECT_NE(out.find("make no batch of 512"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
