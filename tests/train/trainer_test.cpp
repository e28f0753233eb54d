// Training end to end on a tiny synthetic mp4 dataset: the run folder, exact resume, checkpoint
// reloads, and the train / eval / predict / export commands with their errors.
#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/io/frame_index_cache.h"
#include "vidrep/models/network.h"
#include "vidrep/train/checkpoint.h"
#include "vidrep/train/run.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "support/fixtures.h"

namespace vidrep {
namespace {
namespace fs = std::filesystem;

// 8 classes x (4 train + 2 val + 2 test) videos of 8 frames, made once per test binary.
const std::string& tiny_motion() {
  static const std::string dir = [] {
    const std::string d = test::scratch_dir("train_tiny_motion") + "/motion";
    synth::SynthOptions s;
    s.out = d;
    s.per_class = 4;
    s.frames = 8;
    synth::synth_dataset(s);
    return d;
  }();
  return dir;
}

TrainConfig tiny_config(const std::string& arch = "c3d") {
  TrainConfig c;
  c.data = tiny_motion();
  c.model.arch = arch;
  c.model.frames = 8;
  c.model.channels = 8;
  c.model.hidden = 32;
  c.epochs = 3;
  c.batch = 8;
  c.threads = 2;
  c.seed = 3;
  return c;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Every parameter and buffer of two checkpoints, compared bit for bit.
void expect_same_weights(const std::string& a, const std::string& b, const ModelConfig& config) {
  VideoNet na = make_network(config), nb = make_network(config);
  load_checkpoint(a, *na, nullptr, nullptr);
  load_checkpoint(b, *nb, nullptr, nullptr);
  const auto pa = na->named_parameters(), pb = nb->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) EXPECT_TRUE(item.value().equal(pb[item.key()])) << item.key();
  const auto ba = na->named_buffers(), bb = nb->named_buffers();
  for (const auto& item : ba) EXPECT_TRUE(item.value().equal(bb[item.key()])) << item.key();
}

TEST(Trainer, WritesARunFolderWithMetricsAndCheckpoints) {
  const std::string run = test::scratch_dir("train_run_folder") + "/run";
  std::vector<EpochRecord> epochs;
  int64_t batches = 0;
  const TrainResult r = train(tiny_config(), run,
                              {.on_batch = [&](const BatchProgress& p) { batches += p.batch == p.batches; },
                               .on_epoch = [&](const EpochRecord& e) { epochs.push_back(e); }});
  EXPECT_EQ(r.epochs_done, 3);
  EXPECT_EQ(epochs.size(), 3u);
  EXPECT_EQ(batches, 3);  // one completed epoch of batches per epoch
  for (const char* f : {"config.json", "classes.txt", "metrics.jsonl", "best.pt", "last.pt", "frame_index.bin"})
    EXPECT_TRUE(fs::is_regular_file(fs::path(run) / f)) << f;
  io::FrameIndexCache indexes;  // every file of the dataset, scanned once, kept for later processes
  EXPECT_TRUE(indexes.load(run + "/frame_index.bin"));
  EXPECT_GT(indexes.size(), 0);
  const auto lines = read_jsonl(run + "/metrics.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  for (const char* key : {"epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "clips_per_second"})
    EXPECT_TRUE(lines[0].contains(key)) << key;
  EXPECT_EQ(lines[2]["epoch"], 3);
  EXPECT_GT(lines[0]["train_loss"].get<double>(), 0);
  const RunInfo info = load_run_info(run);
  EXPECT_EQ(info.config.model.num_classes, 8);
  EXPECT_EQ(info.classes.front(), "left");
  // Nothing half-written is left beside the outputs.
  for (const auto& entry : fs::directory_iterator(run)) EXPECT_NE(entry.path().filename().string()[0], '.') << entry.path();
  // A second train into the same folder is refused.
  EXPECT_THROW(train(tiny_config(), run), ConfigError);
}

TEST(Trainer, EarlyStopWaitsForMinEpochsAndForTheLossToStopFalling) {
  const std::string run = test::scratch_dir("train_early_stop") + "/run";
  TrainConfig c = tiny_config();
  c.epochs = 8;
  c.patience = 1;
  c.min_epochs = 4;
  std::vector<std::string> messages;
  const TrainResult r = train(c, run, {.on_message = [&](const std::string& m) { messages.push_back(m); }});
  EXPECT_GE(r.epochs_done, 4);  // never before min_epochs, whatever the validation split says
  const auto lines = read_jsonl(run + "/metrics.jsonl");
  ASSERT_EQ(static_cast<int64_t>(lines.size()), r.epochs_done);
  // An epoch that improved either the metric or the lowest validation loss resets the patience:
  // the run stops only after `patience` epochs in which neither did.
  double lowest = 1e300;
  int64_t stale = 0, stopped_at = 0;
  for (const auto& line : lines) {
    const bool lower = line["val_loss"].get<double>() < lowest;
    lowest = std::min(lowest, line["val_loss"].get<double>());
    stale = line["best"].get<bool>() || lower ? 0 : stale + 1;
    if (stale >= c.patience && line["epoch"].get<int64_t>() >= c.min_epochs) {
      stopped_at = line["epoch"];
      break;
    }
  }
  EXPECT_EQ(r.early_stopped, stopped_at != 0);
  if (r.early_stopped) EXPECT_EQ(r.epochs_done, stopped_at);
  // 4 training videos per class: the run says the dataset is small, once.
  EXPECT_EQ(std::count_if(messages.begin(), messages.end(),
                          [](const std::string& m) { return m.find("is a small dataset for c3d") != std::string::npos; }),
            1);
}

TEST(Trainer, SaysSoWhenTheLossDoesNotFall) {
  TrainConfig c = tiny_config();
  c.lr = 1e-12;        // nothing moves
  c.transform = "";    // every clip the same each epoch (8-frame videos, 8-frame clips)
  c.model.dropout = 0;
  c.batch = 64;        // one batch: the same batch statistics each epoch
  c.epochs = 3;
  std::vector<std::string> messages;
  train(c, test::scratch_dir("train_flat_loss") + "/run", {.on_message = [&](const std::string& m) { messages.push_back(m); }});
  const auto flat = std::find_if(messages.begin(), messages.end(),
                                 [](const std::string& m) { return m.find("has not fallen in 3 epochs") != std::string::npos; });
  ASSERT_NE(flat, messages.end());
  EXPECT_NE(flat->find("is chance for 8 classes"), std::string::npos) << *flat;
  EXPECT_NE(flat->find("--find-lr"), std::string::npos) << *flat;
  // A run that learns says nothing of the kind.
  messages.clear();
  TrainConfig learning = tiny_config();
  learning.lr = 3e-3;
  learning.epochs = 3;
  train(learning, test::scratch_dir("train_falling_loss") + "/run",
        {.on_message = [&](const std::string& m) { messages.push_back(m); }});
  for (const auto& m : messages) EXPECT_EQ(m.find("has not fallen"), std::string::npos) << m;
}

TEST(Trainer, FindLrRaisesTheRateExponentiallyAndSuggestsOne) {
  const LrRange r = find_lr(tiny_config(), 12, 1e-5, 10.0);
  ASSERT_GE(r.lrs.size(), 2u);
  ASSERT_EQ(r.lrs.size(), r.losses.size());
  EXPECT_DOUBLE_EQ(r.lrs.front(), 1e-5);
  for (size_t i = 1; i < r.lrs.size(); ++i) EXPECT_NEAR(r.lrs[i] / r.lrs[i - 1], std::pow(1e6, 1.0 / 11), 1e-9);
  if (!r.diverged) EXPECT_EQ(r.lrs.size(), 12u);
  const double lowest = *std::min_element(r.losses.begin(), r.losses.end());
  const auto at = std::find(r.losses.begin(), r.losses.end(), lowest) - r.losses.begin();
  EXPECT_DOUBLE_EQ(r.suggested, r.lrs[static_cast<size_t>(at)] / 10);
  EXPECT_THROW(find_lr(tiny_config(), 1), InvalidArgument);
  EXPECT_THROW(find_lr(tiny_config(), 10, 1.0, 0.5), InvalidArgument);
  // From the command line: no run folder needed, nothing written.
  const std::string dir = test::scratch_dir("train_find_lr_cli");
  std::string out;
  ASSERT_EQ(test::run("cd " + dir + " && " + test::cli() + " train --data " + tiny_motion() +
                          " --clip-len 8 --find-lr --find-lr-steps 6 --threads 2 --json 2>/dev/null", &out), 0) << out;
  const auto j = nlohmann::json::parse(out.substr(out.rfind('{')));
  EXPECT_EQ(j["lrs"].size(), j["losses"].size());
  EXPECT_GT(j["suggested_lr"].get<double>(), 0);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Trainer, ResumedRunEndsWhereAnUninterruptedOneDoes) {
  const std::string dir = test::scratch_dir("train_resume");
  TrainConfig c = tiny_config("cnn_lstm");
  c.model.dropout = 0.3;  // dropout draws must continue from the saved generator state
  train(c, dir + "/straight");
  const TrainResult first = train(c, dir + "/resumed", {.stop_requested = [] { return true; }});
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.epochs_done, 1);
  EXPECT_EQ(read_jsonl(dir + "/resumed/metrics.jsonl").size(), 1u);
  const TrainResult second = resume(dir + "/resumed");
  EXPECT_EQ(second.epochs_done, 3);
  const RunInfo info = load_run_info(dir + "/straight");
  expect_same_weights(dir + "/straight/last.pt", dir + "/resumed/last.pt", info.config.model);
  const auto a = read_jsonl(dir + "/straight/metrics.jsonl"), b = read_jsonl(dir + "/resumed/metrics.jsonl");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i]["train_loss"], b[i]["train_loss"]) << "epoch " << i + 1;
  // A finished run resumes to nothing.
  EXPECT_EQ(resume(dir + "/straight").epochs_done, 3);
}

TEST(Trainer, Beta2ReachesTheOptimizer) {
  // Adam's first step is the gradient's sign whatever beta2 is; the later ones of an epoch are not.
  const std::string dir = test::scratch_dir("train_beta2");
  TrainConfig c = tiny_config();
  c.epochs = 1;
  train(c, dir + "/default");
  c.beta2 = 0.5;
  train(c, dir + "/low");
  const RunInfo info = load_run_info(dir + "/low");
  EXPECT_EQ(info.config.beta2, 0.5);
  VideoNet a = load_run_network(load_run_info(dir + "/default"), "last").net, b = load_run_network(info, "last").net;
  bool differ = false;
  for (const auto& item : a->named_parameters()) differ = differ || !item.value().equal(b->named_parameters()[item.key()]);
  EXPECT_TRUE(differ);
}

TEST(Trainer, CheckpointReloadsBitIdentically) {
  const std::string run = test::scratch_dir("train_reload") + "/run";
  TrainConfig c = tiny_config();
  c.epochs = 1;
  train(c, run);
  const RunInfo info = load_run_info(run);
  VideoNet a = load_run_network(info, "last").net, b = load_run_network(info, "last").net;
  torch::manual_seed(1);
  const at::Tensor x = torch::randn({2, 3, 8, 32, 32});
  EXPECT_TRUE(a->forward(x, {}).logits.equal(b->forward(x, {}).logits));
  const std::string copy = run + "/copy.pt";
  save_checkpoint(copy, *a, nullptr, {});
  expect_same_weights(run + "/last.pt", copy, info.config.model);
}

TEST(Trainer, BadInputsGiveClearErrors) {
  const std::string dir = test::scratch_dir("train_errors");
  TrainConfig c = tiny_config();
  c.data = dir + "/nowhere";
  EXPECT_THROW(train(c, dir + "/run"), OpenError);
  EXPECT_FALSE(fs::exists(dir + "/run/config.json"));
  try {
    resume(dir);
    FAIL() << "resumed a folder that is not a run";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not a vidrep run"), std::string::npos) << e.what();
  }
  c = tiny_config();
  c.model.arch = "resnet";
  EXPECT_THROW(train(c, dir + "/run2"), ConfigError);
}

TEST(TrainCli, TrainEvalPredictExportFromTheCommandLine) {
  const std::string dir = test::scratch_dir("train_cli");
  const std::string run = dir + "/run";
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " train --data " + tiny_motion() +
                          " --model c3d --clip-len 8 --epochs 2 --batch 8 --threads 2 --json --out " + run, &out), 0) << out;
  const auto summary = nlohmann::json::parse(out.substr(out.rfind('{')));
  EXPECT_EQ(summary["epochs_done"], 2);

  ASSERT_EQ(test::run(test::cli() + " eval --run " + run + " --json", &out), 0) << out;
  const auto eval = nlohmann::json::parse(out);
  for (const char* key : {"accuracy", "top5", "macro_f1", "micro_f1", "per_class", "confusion"}) EXPECT_TRUE(eval.contains(key)) << key;
  EXPECT_EQ(eval["count"], 16);
  EXPECT_EQ(eval["confusion"].size(), 8u);
  ASSERT_EQ(test::run(test::cli() + " eval --run " + run, &out), 0) << out;
  EXPECT_NE(out.find("confusion"), std::string::npos) << out;

  const std::string video = tiny_motion() + "/videos/up/test_0000.mp4";
  ASSERT_EQ(test::run(test::cli() + " predict --run " + run + " --topk 3 --json " + video, &out), 0) << out;
  const auto pred = nlohmann::json::parse(out);
  EXPECT_EQ(pred["path"], video);
  ASSERT_EQ(pred["top"].size(), 3u);
  double previous = 1.0;
  for (const auto& t : pred["top"]) {
    EXPECT_LE(t["probability"].get<double>(), previous);
    previous = t["probability"].get<double>();
  }
  // A missing file fails alone, with exit status 2.
  EXPECT_EQ(test::run(test::cli() + " predict --run " + run + " --json " + video + " " + dir + "/missing.mp4", &out), 2) << out;
  EXPECT_NE(out.find("missing.mp4"), std::string::npos);

  ASSERT_EQ(test::run(test::cli() + " export --run " + run + " --out " + dir + "/export", &out), 0) << out;
  for (const char* f : {"weights.pt", "model.json", "classes.txt"}) EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / "export" / f)) << f;

  // Errors: one line naming the problem, exit status 2.
  EXPECT_EQ(test::run(test::cli() + " train --data " + tiny_motion() + " --epochs 1 --out " + run, &out), 2);
  EXPECT_NE(out.find("already holds a run"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " eval --run " + dir, &out), 2);
  EXPECT_NE(out.find("not a vidrep run"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " train --data " + tiny_motion() + " --model resnet --out " + dir + "/r2", &out), 2);
  EXPECT_NE(out.find("resnet"), std::string::npos) << out;
}

// `--buckets`: a dataset mixing 16:9, 4:3, 1:1 and 9:16 videos trains a vit at native aspect
// ratios; the run records the table and sizes the network for the largest bucket in use.
TEST(Trainer, BucketedTrainingAtNativeAspectRatios) {
  const std::string dir = test::scratch_dir("train_buckets");
  std::ofstream train_list(dir + "/train.txt"), val_list(dir + "/val.txt");
  int n = 0;
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{320, 180}, {240, 180}, {180, 180}, {180, 320}}) {
    for (const char* source : {"testsrc2", "smptebars"}) {
      const std::string path = test::make_video(fmt::format("train_bucket_{}_{}x{}.mp4", source, w, h),
                                                fmt::format("-f lavfi -i {}=size={}x{}:rate=10:duration=1 "
                                                            "-c:v libx264 -pix_fmt yuv420p", source, w, h));
      (n++ % 4 == 3 ? val_list : train_list) << path << " " << source << "\n";
    }
  }
  train_list.close();
  val_list.close();
  TrainConfig c;
  c.data = dir;
  c.model.arch = "vit";
  c.model.hidden = 32;
  c.model.depth = 1;
  c.model.heads = 2;
  c.epochs = 2;
  c.threads = 2;
  c.buckets = R"({"multiple_of": 16, "drop_last": false,
                  "buckets": [{"name": "s", "area": 9216, "frames": [4], "batch_size": 2,
                               "aspect_ratios": ["9:16", "1:1", "4:3", "16:9"]}]})";
  const TrainResult r = train(c, dir + "/run");
  EXPECT_EQ(r.epochs_done, 2);
  const RunInfo run = load_run_info(dir + "/run");
  EXPECT_FALSE(run.config.buckets.empty());
  EXPECT_EQ(run.config.model.frames, 4);
  // The widest (16:9) and the tallest (9:16) buckets set the network's grid.
  EXPECT_EQ(run.config.model.width, 128);
  EXPECT_EQ(run.config.model.height, 128);
  // Evaluation reads clips at the network's size.
  RunNetwork net = load_run_network(run);
  EXPECT_EQ(net.net->forward(at::zeros({1, 3, 4, run.config.model.height, run.config.model.width}), {})
                .logits.size(1), 2);
}

}  // namespace
}  // namespace vidrep
