// The autoencoder through the trainer and its commands: a tiny model trained for seconds
// reconstructs its clips better than resizing to the same number of values, checkpoints reload
// bit for bit and
// resume exactly, `vidrep ae train/eval/encode/decode`, latent tokens, a classifier on latents,
// and the errors for wrong latents and runs without an autoencoder.
#include "vidrep/apps/autoencoder.h"
#include "vidrep/data/dataset.h"
#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/npz.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/io/video_writer.h"
#include "vidrep/tensor.h"
#include "vidrep/train/checkpoint.h"
#include "vidrep/train/evaluate.h"
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

// uint8 [frames,32,32,3]: each frame one flat colour, drawn at random per frame. Resizing to as
// few values as the latent has must drop frames and blurs the colours together; an autoencoder
// can spend its channels on time instead of space.
at::Tensor flicker(int64_t frames, uint64_t seed) {
  at::Generator g = at::detail::createCPUGenerator(seed);
  const at::Tensor colours = at::randint(16, 240, {frames, 1, 1, 3}, g, at::kInt);
  return colours.expand({frames, 32, 32, 3}).to(at::kByte).contiguous();
}

void write_flicker(const std::string& path, int64_t frames, uint64_t seed) {
  VideoWriter::write_video(path, to_array(flicker(frames, seed)), 8);
}

// 8 classes x (4 train + 2 val + 2 test) synthetic motion videos of 9 frames at 16x16, made once.
const std::string& tiny_motion16() {
  static const std::string dir = [] {
    const std::string d = test::scratch_dir("ae_motion16") + "/motion";
    synth::SynthOptions s;
    s.out = d;
    s.per_class = 4;
    s.frames = 9;
    s.width = 16;
    s.height = 16;
    synth::synth_dataset(s);
    return d;
  }();
  return dir;
}

TrainConfig tiny_ae_config(int64_t epochs = 60) {
  TrainConfig c;
  c.task = Task::Autoencode;
  c.data = tiny_motion16();
  c.autoencoder.channels = 8;
  c.autoencoder.max_channels = 16;
  c.autoencoder.width = 16;
  c.autoencoder.height = 16;
  c.epochs = epochs;
  c.batch = 8;
  c.lr = 1e-3;
  c.weight_decay = 0;
  c.patience = 0;
  c.threads = 2;
  c.seed = 5;
  // The flips and reversal only: with the default's colour symmetries too, 240 steps of this tiny
  // model see too many distinct clips to fit the training clips the learning test scores.
  c.transform = "hflip=0.5,vflip=0.5,reverse=0.5";
  return c;
}

// The run the learning test reads (60 epochs).
const std::string& trained_run() {
  static const std::string run = [] {
    const std::string r = test::scratch_dir("ae_trained") + "/run";
    train(tiny_ae_config(), r);
    return r;
  }();
  return run;
}

// A run for the tests that need any run, not a good one (2 epochs: each test is its own process
// under CTest, so each would train its own 60).
const std::string& quick_run() {
  static const std::string run = [] {
    const std::string r = test::scratch_dir("ae_quick") + "/run";
    train(tiny_ae_config(2), r);
    return r;
  }();
  return run;
}

void expect_same_weights(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) EXPECT_TRUE(item.value().equal(pb[item.key()])) << item.key();
}

TEST(AutoencoderRun, TrainedTinyModelBeatsResizing) {
  const std::string& run = trained_run();
  std::ifstream metrics(run + "/metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(metrics, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 60u);
  for (const char* key : {"train_psnr", "val_psnr", "val_ssim", "val_loss"}) EXPECT_TRUE(lines[0].contains(key)) << key;
  EXPECT_GT(lines.back()["train_psnr"].get<double>(), lines.front()["train_psnr"].get<double>() + 2);
  EXPECT_FALSE(fs::exists(run + "/classes.txt"));

  // 240 steps of an 11k-parameter model: it beats resizing on the clips it trained on (on held-out
  // clips that takes the full model and training; see the README).
  const AeEvalResult r = evaluate_autoencoder(run, {.split = "train", .threads = 2});
  EXPECT_EQ(r.clips, 32);
  EXPECT_EQ(r.latent, (std::array<int64_t, 3>{3, 2, 2}));
  EXPECT_EQ(r.latent_values, 16 * 3 * 2 * 2);
  EXPECT_EQ(r.baseline, (std::array<int64_t, 3>{3, 5, 4}));
  EXPECT_GT(r.psnr, r.baseline_psnr) << "baseline " << r.baseline_psnr;
  EXPECT_GT(r.ssim, r.baseline_ssim + 0.1) << "baseline " << r.baseline_ssim;
}

TEST(AutoencoderRun, CheckpointReloadsBitIdentically) {
  const std::string& run = quick_run();
  Autoencoder a = load_run_autoencoder(run, "last"), b = load_run_autoencoder(run, "last");
  expect_same_weights(*a, *b);
  torch::manual_seed(2);
  const at::Tensor x = torch::rand({2, 3, 9, 16, 16});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(a->decode(a->encode(x)).equal(b->decode(b->encode(x))));
  // Saved again, it is the same archive content.
  const std::string copy = run + "_copy.pt";
  save_checkpoint(copy, *a, nullptr, {});
  Autoencoder c = make_autoencoder(a->config());
  load_checkpoint(copy, *c, nullptr, nullptr);
  expect_same_weights(*a, *c);
}

TEST(AutoencoderRun, ResumeEndsWhereAStraightRunEnds) {
  const std::string dir = test::scratch_dir("ae_resume");
  train(tiny_ae_config(2), dir + "/straight");
  TrainConfig one = tiny_ae_config(2);
  train(one, dir + "/resumed", {.stop_requested = [] { return true; }});
  EXPECT_EQ(resume(dir + "/resumed").epochs_done, 2);
  Autoencoder a = load_run_autoencoder(dir + "/straight", "last"), b = load_run_autoencoder(dir + "/resumed", "last");
  expect_same_weights(*a, *b);
}

// --init: a new run starts from another run's best weights (fresh optimizer and schedule); a
// network of another shape or task is refused before anything is written.
TEST(AutoencoderRun, InitStartsFromAnotherRunsBestWeights) {
  const std::string dir = test::scratch_dir("ae_init");
  const std::string& run = quick_run();
  TrainConfig c = tiny_ae_config(1);
  c.init = run;
  c.lr = 1e-12;  // the one epoch then leaves the weights as they came
  train(c, dir + "/tuned");
  Autoencoder from = load_run_autoencoder(run, "best"), tuned = load_run_autoencoder(dir + "/tuned", "last");
  const auto pa = from->named_parameters(), pb = tuned->named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(item.value().allclose(pb[item.key()], 0, 1e-6)) << item.key();
  std::ifstream cfg(dir + "/tuned/config.json");
  EXPECT_EQ(nlohmann::json::parse(cfg)["init"], run);

  TrainConfig wider = tiny_ae_config(1);
  wider.init = run;
  wider.autoencoder.channels = 12;
  EXPECT_NE(test::error_message<ConfigError>([&] { train(wider, dir + "/wider"); })
                .find("parameter encoder.conv_in.conv.weight is [8,12,3,3,3] there and [12,12,3,3,3] here"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/wider/config.json"));
}

// A folder of unlabelled videos is autoencoder data (split by path hash); a classifier refuses it.
TEST(AutoencoderRun, TrainsOnAFolderOfUnlabelledVideos) {
  const std::string dir = test::scratch_dir("ae_plain");
  const std::string videos = dir + "/videos";
  int copied = 0;
  for (const Sample& s : load_dataset(tiny_motion16(), "train").samples) {
    fs::create_directories(videos + (copied % 2 ? "/b" : "/a"));
    fs::copy_file(s.path, fmt::format("{}/{}/clip{:02}.mp4", videos, copied % 2 ? "b" : "a", copied));
    ++copied;
  }
  TrainConfig c = tiny_ae_config(1);
  c.data = videos;
  const TrainResult r = train(c, dir + "/run");
  EXPECT_EQ(r.epochs_done, 1);
  EXPECT_GT(r.best_val_metric, 10);  // a PSNR in dB, measured on the val videos
  const AeEvalResult e = evaluate_autoencoder(dir + "/run", {.threads = 2});
  EXPECT_EQ(e.clips, static_cast<int64_t>(load_dataset(videos, "test").samples.size()));

  TrainConfig classify;
  classify.data = videos;
  classify.epochs = 1;
  EXPECT_NE(test::error_message<ConfigError>([&] { train(classify, dir + "/classify"); }).find("video files without labels"),
            std::string::npos);
}

TEST(AutoencoderRun, BadInputsGiveClearErrors) {
  const std::string dir = test::scratch_dir("ae_errors");
  // A classifier run has no autoencoder.
  TrainConfig classify;
  classify.data = tiny_motion16();
  classify.model.frames = 9;
  classify.model.channels = 4;
  classify.epochs = 1;
  classify.threads = 2;
  train(classify, dir + "/classifier");
  try {
    load_run_autoencoder(dir + "/classifier");
    FAIL() << "loaded an autoencoder from a classifier run";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not an autoencoder run (task classify)"), std::string::npos) << e.what();
  }
  const std::string& run = quick_run();
  try {
    decode_latent(run, torch::zeros({8, 3, 4, 4}));
    FAIL() << "decoded a latent of 8 channels";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("latent: expected [16,t,h,w] float32, got [8,3,4,4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decode_latent(run, torch::zeros({16, 3, 4})), InvalidArgument);
  const std::string video = tiny_motion16() + "/videos/up/test_0000.mp4";
  try {
    encode_file(run, video, {.frames = 8});
    FAIL() << "encoded 8 frames with a 4x time compression";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("5 or 9"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test_0000.mp4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(encode_file(run, video, {.start = 3, .frames = 9}), InvalidArgument);  // runs past the end
  TrainConfig c = tiny_ae_config(1);
  c.autoencoder.frames = 8;
  EXPECT_THROW(train(c, dir + "/bad"), ConfigError);
  EXPECT_FALSE(fs::exists(dir + "/bad/config.json"));
}

TEST(AutoencoderCli, EncodeDecodeTokensAndLatentTraining) {
  const std::string dir = test::scratch_dir("ae_cli");
  const std::string& run = quick_run();
  std::string out;
  // A 17-frame clip -> 5 latent frames; decoding writes a playable 17-frame video.
  const std::string video = dir + "/clip17.mp4";
  write_flicker(video, 17, 99);
  ASSERT_EQ(test::run(test::cli() + " ae encode --run " + run + " " + video + " --out " + dir + "/z.npy --json", &out), 0) << out;
  const at::Tensor z = to_tensor(io::load_npy(dir + "/z.npy"));
  EXPECT_EQ(z.sizes(), at::IntArrayRef({16, 5, 4, 4}));
  ASSERT_EQ(test::run(test::cli() + " ae decode --run " + run + " " + dir + "/z.npy --out " + dir + "/back.mp4", &out), 0) << out;
  VideoReader back(dir + "/back.mp4");
  EXPECT_EQ(back.num_frames(), 17);
  EXPECT_EQ(back.width(), 32);
  EXPECT_EQ(test::ffprobe_frame_count(dir + "/back.mp4"), 17);

  // An image is a 1-frame video.
  ASSERT_EQ(test::run("ffmpeg -loglevel error -y -f lavfi -i testsrc=size=32x32 -frames:v 1 " + dir + "/image.png"), 0);
  ASSERT_EQ(test::run(test::cli() + " ae encode --run " + run + " " + dir + "/image.png --out " + dir + "/img.npy", &out), 0) << out;
  EXPECT_EQ(to_tensor(io::load_npy(dir + "/img.npy")).sizes(), at::IntArrayRef({16, 1, 4, 4}));

  // Latent tokens: the latent cut into 1x2x2 patches, positions as for pixel tokens.
  ASSERT_EQ(test::run(test::cli() + " tokens " + video + " --latent " + run + " --out " + dir + "/t.npz", &out), 0) << out;
  const io::NpzArrays tokens = io::load_npz(dir + "/t.npz");
  const auto find = [&](const std::string& key) {
    for (const auto& [name, t] : tokens)
      if (name == key) return to_tensor(t);
    return at::Tensor();
  };
  EXPECT_EQ(find("tokens").sizes(), at::IntArrayRef({5 * 2 * 2, 1 * 2 * 2 * 16}));
  EXPECT_EQ(find("grid").to(at::kLong).equal(torch::tensor({5, 2, 2})), true);
  EXPECT_TRUE(find("tokens")[0].equal(z.permute({1, 2, 3, 0}).narrow(0, 0, 1).narrow(1, 0, 2).narrow(2, 0, 2).reshape(-1)));

  // ae eval as JSON.
  ASSERT_EQ(test::run(test::cli() + " ae eval --run " + run + " --threads 2 --json", &out), 0) << out;
  const auto eval = nlohmann::json::parse(out);
  for (const char* key : {"psnr", "ssim", "baseline_psnr"}) EXPECT_TRUE(eval.contains(key)) << key;
  ASSERT_EQ(test::run(test::cli() + " ae eval --run " + run + " --video " + video + " --frames 9 --clips 2 --json", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["clips"], 2);

  // vidrep export of an autoencoder run: the config and weights for vidrep.models.load_export, no classes.
  ASSERT_EQ(test::run(test::cli() + " export --run " + run + " --out " + dir + "/exported", &out), 0) << out;
  EXPECT_TRUE(fs::exists(dir + "/exported/autoencoder.json"));
  EXPECT_TRUE(fs::exists(dir + "/exported/weights.pt"));
  EXPECT_FALSE(fs::exists(dir + "/exported/model.json"));
  EXPECT_FALSE(fs::exists(dir + "/exported/classes.txt"));

  // A transformer on latents: 9-frame clips -> 3x4x4 latents, 1x2x2 tubelets.
  ASSERT_EQ(test::run(test::cli() + " train --data " + tiny_motion16() + " --model vit --input latent --ae " + run +
                          " --clip-len 9 --epochs 1 --batch 8 --threads 2 --out " + dir + "/vit --json", &out), 0) << out;
  std::ifstream cfg(dir + "/vit/config.json");
  const auto vit = nlohmann::json::parse(cfg);
  EXPECT_EQ(vit["input"], "latent");
  EXPECT_EQ(vit["model"]["patch_t"], 1);
  ASSERT_EQ(test::run(test::cli() + " eval --run " + dir + "/vit --json", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["count"], 16);

  // Errors: exit status 2 and a line naming the problem.
  io::save_npy(dir + "/wrong.npy", to_array(torch::zeros({4, 5, 4, 4})));
  EXPECT_EQ(test::run(test::cli() + " ae decode --run " + run + " " + dir + "/wrong.npy --out " + dir + "/w.mp4", &out), 2);
  EXPECT_NE(out.find("wrong.npy: latent: expected [16,t,h,w] float32, got [4,5,4,4]"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/w.mp4"));
  EXPECT_EQ(test::run(test::cli() + " ae eval --run " + dir + "/vit", &out), 2);
  EXPECT_NE(out.find("not an autoencoder run (task classify)"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " train --data " + tiny_motion16() + " --model vit --input latent --ae " + dir +
                          "/vit --clip-len 9 --epochs 1 --out " + dir + "/vit2", &out), 2);
  EXPECT_NE(out.find("not an autoencoder run"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " ae train --data " + tiny_motion16() + " --init " + dir + "/vit --out " + dir +
                          "/from_vit", &out), 2);
  EXPECT_NE(out.find("that run is task classify, this one autoencode"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/from_vit/config.json"));
  EXPECT_EQ(test::run(test::cli() + " ae encode --run " + run + " " + video + " --frames 16 --out " + dir + "/x.npy", &out), 2);
  EXPECT_NE(out.find("13 or 17"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
