// ModelConfig: JSON round trip, unknown keys and wrong types refused by from_json, and validate()
// naming the offending key for every kind of invalid value.
#include "vidrep/error.h"
#include "vidrep/models/config.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace vidrep {
namespace {

ModelConfig valid() {
  ModelConfig c;
  c.num_classes = 8;
  return c;
}

TEST(ModelConfig, JsonRoundTripKeepsEveryField) {
  ModelConfig c = valid();
  c.arch = "vit";
  c.modality = "av";
  c.fusion = "attention";
  c.multi_label = true;
  c.in_channels = 16;
  c.frames = 8;
  c.height = 24;
  c.width = 40;
  c.mel_frames = 62;
  c.mel_bins = 20;
  c.channels = 12;
  c.frame_pool = 3;
  c.frame_diff = false;
  c.hidden = 48;
  c.rnn = "lstm";
  c.embed_dim = 32;
  c.dropout = 0.5;
  c.patch_t = 4;
  c.patch_h = 6;
  c.patch_w = 10;
  c.depth = 3;
  c.heads = 6;
  c.positions = "sinusoidal";
  c.pooling = "stpp";
  const nlohmann::json j = c;
  EXPECT_EQ(j.size(), 25u);
  const ModelConfig back = nlohmann::json::parse(j.dump()).get<ModelConfig>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.arch, "vit");
  EXPECT_EQ(back.patch_w, 10);
  EXPECT_EQ(back.in_channels, 16);
  EXPECT_FALSE(back.frame_diff);
  EXPECT_DOUBLE_EQ(back.dropout, 0.5);
  EXPECT_NO_THROW(validate(back));
}

TEST(ModelConfig, FromJsonSetsOnlyTheGivenKeys) {
  ModelConfig c = nlohmann::json{{"arch", "cnn_lstm"}, {"num_classes", 3}}.get<ModelConfig>();
  EXPECT_EQ(c.arch, "cnn_lstm");
  EXPECT_EQ(c.num_classes, 3);
  EXPECT_EQ(c.frames, ModelConfig{}.frames);
  EXPECT_EQ(c.hidden, ModelConfig{}.hidden);
}

TEST(ModelConfig, FromJsonRejectsUnknownKeysAndWrongTypes) {
  const std::string unknown = test::error_message<ConfigError>([] { nlohmann::json{{"archh", "c3d"}}.get<ModelConfig>(); });
  EXPECT_NE(unknown.find("unknown key 'archh'"), std::string::npos) << unknown;
  const std::string type = test::error_message<ConfigError>([] { nlohmann::json{{"hidden", "64"}}.get<ModelConfig>(); });
  EXPECT_NE(type.find("'hidden'"), std::string::npos) << type;
  EXPECT_NE(type.find("integer"), std::string::npos) << type;
  const std::string fraction = test::error_message<ConfigError>([] { nlohmann::json{{"frames", 16.5}}.get<ModelConfig>(); });
  EXPECT_NE(fraction.find("'frames'"), std::string::npos) << fraction;
  const std::string flag = test::error_message<ConfigError>([] { nlohmann::json{{"multi_label", 1}}.get<ModelConfig>(); });
  EXPECT_NE(flag.find("'multi_label'"), std::string::npos) << flag;
  EXPECT_NE(test::error_message<ConfigError>([] { nlohmann::json::array().get<ModelConfig>(); }).find("JSON object"), std::string::npos);
}

TEST(ModelConfig, ValidateNamesTheKey) {
  EXPECT_NO_THROW(validate(valid()));
  struct Case {
    std::function<void(ModelConfig&)> change;
    std::string expected;  // must appear in the message
  };
  const std::vector<Case> cases = {
      {[](ModelConfig& c) { c.arch = "resnet"; }, "key 'arch': 'resnet' is not one of frame2d, cnn_lstm, c3d, vit"},
      {[](ModelConfig& c) { c.modality = "text"; }, "key 'modality'"},
      {[](ModelConfig& c) { c.fusion = "sum"; }, "key 'fusion'"},
      {[](ModelConfig& c) { c.rnn = "rnn"; }, "key 'rnn'"},
      {[](ModelConfig& c) { c.positions = "rope"; }, "key 'positions'"},
      {[](ModelConfig& c) { c.pooling = "max"; }, "key 'pooling'"},
      {[](ModelConfig& c) { c.num_classes = 0; }, "key 'num_classes': must be >= 1"},
      {[](ModelConfig& c) { c.hidden = -4; }, "key 'hidden'"},
      {[](ModelConfig& c) { c.frames = 0; }, "key 'frames'"},
      {[](ModelConfig& c) { c.mel_bins = 0; }, "key 'mel_bins'"},
      {[](ModelConfig& c) { c.embed_dim = 0; }, "key 'embed_dim'"},
      {[](ModelConfig& c) { c.dropout = 1.0; }, "key 'dropout'"},
      {[](ModelConfig& c) { c.arch = "vit"; c.frames = 15; }, "key 'patch_t': frames 15 is not a multiple of patch_t 4"},
      {[](ModelConfig& c) { c.arch = "vit"; c.height = 34; }, "key 'patch_h'"},
      {[](ModelConfig& c) { c.arch = "vit"; c.patch_w = 5; }, "key 'patch_w'"},
      {[](ModelConfig& c) { c.arch = "vit"; c.heads = 5; }, "key 'heads': hidden 64 is not a multiple of heads 5"},
      {[](ModelConfig& c) { c.modality = "av"; c.fusion = "attention"; c.heads = 3; }, "key 'heads'"},
  };
  for (const Case& k : cases) {
    ModelConfig c = valid();
    k.change(c);
    const std::string message = test::error_message<ConfigError>([&] { validate(c); });
    EXPECT_NE(message.find(k.expected), std::string::npos) << message;
  }
  // Settings of parts the config does not build are not checked against each other.
  ModelConfig c3d = valid();
  c3d.frames = 15;
  c3d.heads = 5;
  EXPECT_NO_THROW(validate(c3d));
}

}  // namespace
}  // namespace vidrep
