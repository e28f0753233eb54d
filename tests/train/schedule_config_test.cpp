// Learning-rate schedules and the training config's JSON form.
#include "vidrep/error.h"
#include "vidrep/train/config.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/schedule.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "support/fixtures.h"

namespace vidrep {
namespace {

TEST(TrainSchedule, CosineWarmsUpThenDecaysToZero) {
  TrainConfig c;
  c.lr = 1.0, c.epochs = 10, c.warmup = 1, c.schedule = "cosine";
  EXPECT_NEAR(scheduled_lr(c, 0, 10), 0.01, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 5, 10), 0.01 + 0.99 * 0.5, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 10, 10), 1.0, 1e-12);    // warmup over
  EXPECT_NEAR(scheduled_lr(c, 55, 10), 0.5, 1e-12);    // half-way through the cosine
  EXPECT_NEAR(scheduled_lr(c, 100, 10), 0.0, 1e-12);
  for (int64_t s = 10; s < 100; ++s) EXPECT_GE(scheduled_lr(c, s, 10), scheduled_lr(c, s + 1, 10));
}

TEST(TrainSchedule, StepMultipliesByGammaEveryStepEpochs) {
  TrainConfig c;
  c.lr = 1.0, c.epochs = 30, c.warmup = 0, c.schedule = "step", c.step_epochs = 10, c.gamma = 0.1;
  EXPECT_NEAR(scheduled_lr(c, 0, 4), 1.0, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 39, 4), 1.0, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 40, 4), 0.1, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 80, 4), 0.01, 1e-12);
}

TEST(TrainConfigJson, RoundTripsAndRejectsUnknownKeysAndBadValues) {
  TrainConfig c;
  c.data = "d", c.epochs = 7, c.optimizer = "sgd", c.model.arch = "vit", c.beta2 = 0.95;
  const nlohmann::json j = c;
  const TrainConfig back = j.get<TrainConfig>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.beta2, 0.95);
  nlohmann::json bad = j;
  bad["epoch"] = 3;
  try {
    (void)bad.get<TrainConfig>();
    FAIL() << "unknown key accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'epoch'"), std::string::npos) << e.what();
  }
  for (const auto& [key, value] : {std::pair<const char*, nlohmann::json>{"epochs", 2.5}, {"lr", "fast"}, {"seed", -1}}) {
    nlohmann::json typed = j;
    typed[key] = value;
    try {
      (void)typed.get<TrainConfig>();
      FAIL() << key << " = " << value.dump() << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + key + "'"), std::string::npos) << e.what();
    }
  }
  TrainConfig wrong = c;
  wrong.optimizer = "lion";
  wrong.model.num_classes = 8;
  try {
    validate(wrong);
    FAIL() << "bad optimizer accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("optimizer"), std::string::npos) << e.what();
  }
  for (const double beta2 : {0.0, 1.0}) {
    TrainConfig no_decay = c;
    no_decay.beta2 = beta2;
    no_decay.model.num_classes = 8;
    try {
      validate(no_decay);
      FAIL() << "beta2 " << beta2 << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("'beta2'"), std::string::npos) << e.what();
    }
  }
}

TEST(TrainConfigJson, FileMergesOverTheBaseKeyByKey) {
  const std::string dir = test::scratch_dir("train_config_merge");
  const std::string path = dir + "/c.json";
  std::ofstream(path) << R"({"epochs": 3, "model": {"arch": "cnn_lstm", "rnn": "lstm"}})";
  TrainConfig base;
  base.lr = 0.5;
  const TrainConfig c = merge_config_file(base, path);
  EXPECT_EQ(c.epochs, 3);
  EXPECT_EQ(c.lr, 0.5);
  EXPECT_EQ(c.model.arch, "cnn_lstm");
  EXPECT_EQ(c.model.rnn, "lstm");
  EXPECT_EQ(c.model.frames, base.model.frames);
  std::ofstream(dir + "/broken.json") << "{\"epochs\": ";
  try {
    merge_config_file(base, dir + "/broken.json");
    FAIL() << "broken JSON accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json"), std::string::npos) << e.what();
  }
}

TEST(TrainConfigJson, TaskDefaultsLiveInTheLibrary) {
  const TrainConfig classify = default_train_config(Task::Classify);
  EXPECT_EQ(classify.task, Task::Classify);
  EXPECT_EQ(classify.epochs, TrainConfig{}.epochs);
  const TrainConfig ae = default_train_config(Task::Autoencode);
  EXPECT_EQ(ae.task, Task::Autoencode);
  EXPECT_EQ(ae.epochs, 100);
  EXPECT_EQ(ae.lr, 5e-4);
  EXPECT_EQ(ae.autoencoder.loss, "psnr");
  EXPECT_EQ(AutoencoderConfig{}.loss, "mse");  // a config.json from before the psnr loss reads as it was trained
  EXPECT_EQ(ae.beta2, 0.99);
  EXPECT_EQ(ae.weight_decay, 0);
  EXPECT_EQ(ae.patience, 0);
  const nlohmann::json j = ae;
  EXPECT_EQ(j["task"], "autoencode");
  EXPECT_TRUE(j.contains("autoencoder"));
  EXPECT_FALSE(j.contains("model"));
  EXPECT_EQ(j.get<TrainConfig>().task, Task::Autoencode);
  EXPECT_THROW(parse_task("segment"), ConfigError);
  EXPECT_THROW(nlohmann::json({{"task", "segment"}}).get<TrainConfig>(), ConfigError);
}

TEST(TrainConfigJson, PreprocessRecordsTheNormalisation) {
  EXPECT_EQ(preprocess_of(default_train_config(Task::Classify)), "normalize=0.45:0.225");
  EXPECT_EQ(preprocess_of(default_train_config(Task::Autoencode)), "");
  // config.json files written before the key existed mean what those runs were trained with.
  EXPECT_EQ(preprocess_of(nlohmann::json({{"task", "classify"}}).get<TrainConfig>()), "normalize=0.45:0.225");
  EXPECT_EQ(preprocess_of(nlohmann::json({{"task", "classify"}, {"input", "latent"}}).get<TrainConfig>()), "");
  EXPECT_EQ(preprocess_of(nlohmann::json({{"task", "autoencode"}}).get<TrainConfig>()), "");
  // A run's config records it, and the loader applies it after the augmentation.
  TrainConfig c;
  c.task = Task::Autoencode;  // set by hand: the default follows the task
  EXPECT_EQ(run_loader_options(c, false).transform, "");
  c.task = Task::Classify;
  c.transform = "hflip";
  EXPECT_EQ(nlohmann::json(c)["preprocess"], "normalize=0.45:0.225");
  EXPECT_EQ(run_loader_options(c, true).transform, "hflip,normalize=0.45:0.225");
  EXPECT_EQ(run_loader_options(c, false).transform, "normalize=0.45:0.225");
  c.preprocess = "";
  EXPECT_EQ(run_loader_options(c, true).transform, "hflip");
  EXPECT_EQ(run_loader_options(c, false).transform, "");
}

TEST(TrainConfigJson, DefaultAugmentationFollowsTheModelAndRecordsItsText) {
  TrainConfig c = default_train_config(Task::Classify);
  c.model.width = 48;
  c.model.height = 40;
  EXPECT_EQ(augmentation_of(c),
            "random_resized_crop=48x40:0.6-1:0.8-1.25,color_jitter=0.3:0.3:0.3:0.02,temporal_jitter=2");
  EXPECT_EQ(nlohmann::json(c)["transform"], augmentation_of(c));
  EXPECT_EQ(run_loader_options(c, true).transform, augmentation_of(c) + ",normalize=0.45:0.225");
  EXPECT_EQ(run_loader_options(c, false).transform, "normalize=0.45:0.225");  // evaluation: no augmentation
  // Mirroring is asked for, never a default: it swaps left and right motion.
  c.hflip = true;
  EXPECT_EQ(augmentation_of(c), default_augmentation(c) + ",hflip=0.5");
  c.transform = "";
  EXPECT_EQ(augmentation_of(c), "hflip=0.5");
  c.hflip = false;
  EXPECT_EQ(augmentation_of(c), "");  // '' turns augmentation off
  // A config.json with the text keeps it; one without it means the default.
  EXPECT_EQ(augmentation_of(nlohmann::json(c).get<TrainConfig>()), "");
  EXPECT_EQ(augmentation_of(nlohmann::json({{"task", "classify"}}).get<TrainConfig>()),
            default_augmentation(default_train_config(Task::Classify)));
  // The autoencoder's symmetries (flips, reversal, channel order, negative); nothing for latent
  // inputs; no crop to one size under a bucket table.
  EXPECT_EQ(augmentation_of(default_train_config(Task::Autoencode)),
            "hflip=0.5,vflip=0.5,reverse=0.5,channel_shuffle=1,invert=0.5");
  TrainConfig latent = default_train_config(Task::Classify);
  latent.input = "latent";
  EXPECT_EQ(augmentation_of(latent), "");
  TrainConfig bucketed = default_train_config(Task::Classify);
  bucketed.buckets = "{}";
  EXPECT_EQ(augmentation_of(bucketed).find("crop"), std::string::npos);
}

TEST(TrainConfigJson, SmallDatasetsTrainForMinStepsUnlessEpochsAreGiven) {
  // 20 training videos (18 after the 10 % val hold-out), batch 16: 2 steps an epoch.
  const std::string dir = test::scratch_dir("train_config_min_steps");
  for (const char* cls : {"a", "b"}) {
    std::filesystem::create_directories(dir + "/train/" + cls);
    for (int i = 0; i < 10; ++i) std::ofstream(dir + "/train/" + cls + "/" + std::to_string(i) + ".mp4") << "x";
  }
  const nlohmann::json data = {{"data", dir}};
  const TrainConfig c = resolve_train_config(Task::Classify, "", data);
  EXPECT_EQ(c.epochs, 200);      // ceil(400 / 2)
  EXPECT_EQ(c.min_epochs, 100);  // half of them before any early stop
  nlohmann::json given = data;
  given["epochs"] = 30;
  EXPECT_EQ(resolve_train_config(Task::Classify, "", given).epochs, 30);
  EXPECT_EQ(resolve_train_config(Task::Classify, "", given).min_epochs, 15);
  given = data;
  given["min_steps"] = 0;
  EXPECT_EQ(resolve_train_config(Task::Classify, "", given).epochs, 30);
  // Per-family defaults: cnn_lstm trains at a higher rate with more dropout, unless told otherwise.
  nlohmann::json cnn_lstm = {{"model", {{"arch", "cnn_lstm"}}}};
  EXPECT_EQ(resolve_train_config(Task::Classify, "", cnn_lstm).lr, 4e-3);
  EXPECT_EQ(resolve_train_config(Task::Classify, "", cnn_lstm).model.dropout, 0.5);
  EXPECT_EQ(resolve_train_config(Task::Classify, "", {{"model", {{"arch", "c3d"}}}}).lr, 2e-3);
  // ... and for more steps: 2000 on the 20 videos above are 1000 epochs (c3d keeps 400: 200).
  nlohmann::json small_cnn_lstm = data;
  small_cnn_lstm["model"] = {{"arch", "cnn_lstm"}};
  EXPECT_EQ(resolve_train_config(Task::Classify, "", small_cnn_lstm).epochs, 1000);
  small_cnn_lstm["model"]["arch"] = "c3d";
  EXPECT_EQ(resolve_train_config(Task::Classify, "", small_cnn_lstm).epochs, 200);
  small_cnn_lstm["model"]["arch"] = "cnn_lstm";
  small_cnn_lstm["min_steps"] = 400;
  EXPECT_EQ(resolve_train_config(Task::Classify, "", small_cnn_lstm).epochs, 200);
  cnn_lstm["lr"] = 1e-3;
  cnn_lstm["model"]["dropout"] = 0.1;
  EXPECT_EQ(resolve_train_config(Task::Classify, "", cnn_lstm).lr, 1e-3);
  EXPECT_EQ(resolve_train_config(Task::Classify, "", cnn_lstm).model.dropout, 0.1);
  // A folder that is not a dataset leaves the default for train() to refuse.
  EXPECT_EQ(resolve_train_config(Task::Classify, "", {{"data", dir + "/none"}}).epochs, 30);
}

TEST(TrainConfigJson, FlagsGivenWinOverTheFileEvenAtTheirDefault) {
  const std::string dir = test::scratch_dir("train_config_resolve");
  const std::string path = dir + "/c.json";
  std::ofstream(path) << R"({"lr": 0.1, "epochs": 3, "model": {"arch": "c3d", "frames": 8}})";
  const TrainConfig defaults = default_train_config(Task::Classify);
  // --lr at its default value, --clip-len 16 (the default): both given, both win.
  const nlohmann::json flags = {{"lr", defaults.lr}, {"model", {{"frames", defaults.model.frames}}}};
  const TrainConfig c = resolve_train_config(Task::Classify, path, flags);
  EXPECT_EQ(c.lr, defaults.lr);
  EXPECT_EQ(c.model.frames, defaults.model.frames);
  EXPECT_EQ(c.epochs, 3);            // from the file
  EXPECT_EQ(c.model.arch, "c3d");    // from the file, merged key by key
  EXPECT_EQ(c.batch, defaults.batch);  // neither: the default
  // Without the flags the file wins.
  EXPECT_EQ(resolve_train_config(Task::Classify, path, nlohmann::json::object()).lr, 0.1);
  // An autoencode file keeps the autoencoder's defaults for keys it leaves out.
  std::ofstream(dir + "/ae.json") << R"({"task": "autoencode", "autoencoder": {"frames": 5}})";
  const TrainConfig a = resolve_train_config(Task::Autoencode, dir + "/ae.json", nlohmann::json::object());
  EXPECT_EQ(a.autoencoder.frames, 5);
  EXPECT_EQ(a.epochs, default_train_config(Task::Autoencode).epochs);
  try {
    resolve_train_config(Task::Classify, dir + "/ae.json", nlohmann::json::object());
    FAIL() << "an autoencode config accepted by a classify command";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ae.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vidrep
