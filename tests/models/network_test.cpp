// VideoNet: output shapes and unit-norm embeddings for every arch x modality x fusion, every
// parameter reached by the gradient, frame2d blind to time order while the others are not, and
// input shape errors that name the input and the expected shape.
#include "vidrep/error.h"
#include "vidrep/models/encoder.h"
#include "vidrep/models/network.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace vidrep {
namespace {

const std::vector<std::string> kArchs = {"frame2d", "cnn_lstm", "c3d", "vit"};

ModelConfig config_for(const std::string& arch, const std::string& modality, const std::string& fusion) {
  ModelConfig c;
  c.arch = arch;
  c.modality = modality;
  c.fusion = fusion;
  c.num_classes = 5;
  c.embed_dim = 24;
  c.mel_frames = 30;  // shorter than the default, to keep the test quick
  return c;
}

at::Tensor video_for(const ModelConfig& c, int64_t batch) {
  return torch::randn({batch, 3, c.frames, c.height, c.width});
}
at::Tensor audio_for(const ModelConfig& c, int64_t batch) { return torch::randn({batch, c.mel_frames, c.mel_bins}); }

std::string invalid_argument(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(no InvalidArgument)";
}

TEST(ModelNetwork, ShapesNormsAndGradientsForEveryArchModalityAndFusion) {
  std::vector<ModelConfig> configs;
  for (const std::string& arch : kArchs) {
    configs.push_back(config_for(arch, "video", "concat"));
    for (const std::string& fusion : {"concat", "mean", "gated", "attention"})
      configs.push_back(config_for(arch, "av", fusion));
  }
  configs.push_back(config_for("c3d", "audio", "concat"));
  ModelConfig lstm = config_for("cnn_lstm", "av", "attention");
  lstm.rnn = "lstm";
  configs.push_back(lstm);
  ModelConfig stpp = config_for("vit", "video", "concat");
  stpp.pooling = "stpp";
  stpp.positions = "sinusoidal";
  configs.push_back(stpp);

  torch::manual_seed(0);
  for (const ModelConfig& c : configs) {
    const std::string what = fmt::format("{} {} {} {}", c.arch, c.modality, c.fusion, c.rnn);
    VideoNet net = make_network(c);
    net->train();
    const int64_t batch = 3;
    const at::Tensor video = c.modality == "audio" ? at::Tensor() : video_for(c, batch);
    const at::Tensor audio = c.modality == "video" ? at::Tensor() : audio_for(c, batch);
    const NetOutput out = net->forward(video, audio);
    EXPECT_EQ(out.logits.sizes(), (at::IntArrayRef{batch, 5})) << what;
    ASSERT_EQ(out.embedding.sizes(), (at::IntArrayRef{batch, 24})) << what;
    EXPECT_TRUE(at::allclose(out.embedding.norm(2, 1), at::ones({batch}), 1e-5, 1e-5)) << what;
    (out.logits.sum() + out.embedding.pow(3).sum()).backward();
    for (const auto& p : net->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << what << ": no gradient reaches " << p.key();
      EXPECT_TRUE(at::isfinite(p.value().grad()).all().item<bool>()) << what << ": " << p.key();
    }
    const auto names = net->named_parameters().keys();
    auto has_prefix = [&](const std::string& prefix) {
      return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
    };
    const bool has_video = has_prefix("video."), has_audio = has_prefix("audio.");
    EXPECT_EQ(has_video, c.modality != "audio") << what;
    EXPECT_EQ(has_audio, c.modality != "video") << what;
  }
}

TEST(ModelNetwork, OnlyFrame2dIsBlindToTimeOrder) {
  torch::manual_seed(1);
  for (const std::string& arch : kArchs) {
    const ModelConfig c = config_for(arch, "video", "concat");
    VideoNet net = make_network(c);
    // A few training-mode passes give the batch norms non-trivial running statistics.
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 3; ++i) net->forward(video_for(c, 4), {});
    net->eval();
    const at::Tensor video = video_for(c, 4);
    const NetOutput forward = net->forward(video, {});
    const NetOutput reversed = net->forward(video.flip({2}), {});
    const double diff = std::max((forward.logits - reversed.logits).abs().max().item<double>(),
                                 (forward.embedding - reversed.embedding).abs().max().item<double>());
    if (arch == "frame2d")
      EXPECT_LT(diff, 1e-5) << arch;
    else
      EXPECT_GT(diff, 1e-3) << arch;
  }
}

TEST(ModelNetwork, EvalModeIsDeterministicAndBatchIndependent) {
  torch::manual_seed(2);
  const ModelConfig c = config_for("vit", "av", "attention");
  VideoNet net = make_network(c);
  net->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor video = video_for(c, 3), audio = audio_for(c, 3);
  const NetOutput all = net->forward(video, audio);
  const NetOutput one = net->forward(video.slice(0, 1, 2), audio.slice(0, 1, 2));
  EXPECT_TRUE(at::allclose(all.logits.slice(0, 1, 2), one.logits, 1e-5, 1e-5));
  EXPECT_TRUE(at::equal(net->forward(video, audio).logits, all.logits));
}

TEST(ModelNetwork, WrongInputsNameTheInputAndTheExpectedShape) {
  torch::manual_seed(3);
  const ModelConfig c = config_for("c3d", "av", "concat");
  VideoNet net = make_network(c);
  const at::Tensor audio = audio_for(c, 2);
  std::string m = invalid_argument([&] { net->forward(torch::randn({2, 3, 24, 32, 32}), audio); });
  EXPECT_NE(m.find("video: expected [B,3,16,32,32] float32"), std::string::npos) << m;
  EXPECT_NE(m.find("got [2,3,24,32,32] float32"), std::string::npos) << m;
  m = invalid_argument([&] { net->forward(torch::randn({2, 4, 16, 32, 32}), audio); });  // channels must match
  EXPECT_NE(m.find("got [2,4,16,32,32] float32"), std::string::npos) << m;
  m = invalid_argument([&] { net->forward(torch::randn({2, 3, 16, 32, 32}).to(at::kDouble), audio); });
  EXPECT_NE(m.find("got [2,3,16,32,32] float64"), std::string::npos) << m;
  m = invalid_argument([&] { net->forward(torch::randn({3, 16, 32, 32}), audio); });
  EXPECT_NE(m.find("video: expected"), std::string::npos) << m;
  m = invalid_argument([&] { net->forward(video_for(c, 2), {}); });
  EXPECT_NE(m.find("audio: expected [B,30,40] float32"), std::string::npos) << m;
  EXPECT_NE(m.find("got an undefined tensor"), std::string::npos) << m;
  m = invalid_argument([&] { net->forward(video_for(c, 2), audio_for(c, 3)); });
  EXPECT_NE(m.find("audio: batch 3 does not match the video's batch 2"), std::string::npos) << m;
  m = invalid_argument([&] { net->forward(torch::randn({0, 3, 16, 32, 32}), audio_for(c, 0)); });
  EXPECT_NE(m.find("video: expected"), std::string::npos) << m;

  ModelConfig bad = c;
  bad.arch = "resnet";
  EXPECT_THROW(make_network(bad), ConfigError);
}

TEST(ModelNetwork, SmallerClipsThanBuiltForRunAtAnyAspectRatio) {
  // Bucketed batches: every architecture takes clips up to its configured size; the vit's
  // positions for a smaller token grid are the first rows of its tables.
  for (const char* arch : {"frame2d", "cnn_lstm", "c3d", "vit"}) {
    torch::manual_seed(3);
    const ModelConfig c = config_for(arch, "video", "concat");
    VideoNet net = make_network(c);
    net->eval();
    for (const auto& [t, h, w] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{8, 16, 32}, {16, 32, 16}, {4, 32, 32}}) {
      const NetOutput out = net->forward(torch::randn({2, 3, t, h, w}), {});
      EXPECT_EQ(out.logits.sizes(), (at::IntArrayRef{2, c.num_classes})) << arch << " " << t << "x" << h << "x" << w;
    }
  }
}

TEST(FrameDiff, NormalFlowSaysWhichWayAnEdgeMovedWhateverItsContrast) {
  // A bright (or dark) square on a plain background moving 1 pixel per frame right, or down.
  for (const double sign : {1.0, -1.0}) {
    for (const bool horizontal : {true, false}) {
      at::Tensor video = at::full({1, 3, 4, 16, 16}, 0.5);
      for (int64_t t = 0; t < 4; ++t) {
        at::Tensor frame = video.select(2, t);
        at::Tensor square = horizontal ? frame.narrow(2, 5, 6).narrow(3, 3 + t, 6) : frame.narrow(2, 3 + t, 6).narrow(3, 5, 6);
        square.fill_(0.5 + 0.4 * sign);
      }
      const at::Tensor x = models::with_frame_diff(video);
      ASSERT_EQ(x.sizes(), (at::IntArrayRef{1, 8, 4, 16, 16}));
      EXPECT_TRUE(at::equal(x.narrow(1, 0, 3), video));
      EXPECT_EQ(x.narrow(1, 3, 3).select(2, 0).abs().max().item<double>(), 0.0);  // frame 0 has no previous frame
      EXPECT_TRUE(at::allclose(x.narrow(1, 3, 3).narrow(2, 1, 3), video.narrow(2, 1, 3) - video.narrow(2, 0, 3)));
      // Summed over the frame, the moving axis's channel is positive (right / down) and the other ~0.
      const double along = x.select(1, horizontal ? 6 : 7).sum().item<double>();
      const double across = x.select(1, horizontal ? 7 : 6).sum().item<double>();
      EXPECT_GT(along, 0.1) << sign << horizontal;
      EXPECT_NEAR(across, 0.0, 1e-5) << sign << horizontal;
    }
  }
}

}  // namespace
}  // namespace vidrep
