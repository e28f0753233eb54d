// MaskedVideo (masked tube modelling): the token grids it decodes from, masks that are whole tubes
// of exactly the asked fraction, hidden pixels that cannot reach the encoder, the patch-normalised
// pixel and the frame-difference motion targets, and a loss that a few steps of training lower.
#include "vidrep/error.h"
#include "vidrep/models/masked_video.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "support/fixtures.h"

namespace vidrep::models {
namespace {

ModelConfig small(const std::string& arch) {
  ModelConfig c;
  c.arch = arch;
  c.num_classes = 1;
  c.frames = 8;
  c.height = 32;
  c.width = 32;
  c.hidden = 16;
  c.channels = 4;
  c.depth = 1;
  c.heads = 2;
  return c;
}

TEST(MaskedVideo, TokenGridsFollowTheEncoders) {
  EXPECT_EQ(token_grid(small("vit")), (std::array<int64_t, 3>{2, 8, 8}));
  EXPECT_EQ(token_grid(small("c3d")), (std::array<int64_t, 3>{1, 2, 2}));
  ModelConfig odd = small("c3d");
  odd.height = 24;
  EXPECT_NE(test::error_message<ConfigError>([&] { token_grid(odd); }).find("height 24 is not a multiple of 16"),
            std::string::npos);
  EXPECT_NE(test::error_message<ConfigError>([&] { token_grid(small("cnn_lstm")); }).find("pretrain vit or c3d"),
            std::string::npos);
  EXPECT_THROW(MaskedVideo(small("vit"), 1.0, "pixels"), ConfigError);
}

// Exactly round(ratio * cells) cells per clip, each a whole 4x4 cell, the same in every frame.
TEST(MaskedVideo, MasksAreTubesOfTheAskedFraction) {
  torch::manual_seed(0);
  MaskedVideo m(small("vit"), 0.9, "pixels");
  const at::Tensor mask = m->random_mask(3);
  ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{3, 1, 1, 32, 32}));
  const at::Tensor cells = mask.view({3, 8, 4, 8, 4});
  EXPECT_TRUE(at::equal(cells.amax({2, 4}), cells.amin({2, 4})));  // constant inside each cell
  const at::Tensor per_clip = cells.amax({2, 4}).sum({1, 2});
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(per_clip[i].item<double>(), 58);  // round(0.9 * 64)
  EXPECT_FALSE(at::equal(mask[0], mask[1]));  // drawn per clip
  // A seeded generator gives the same masks (validation masks repeat every epoch).
  EXPECT_TRUE(at::equal(m->random_mask(2, at::detail::createCPUGenerator(7)),
                        m->random_mask(2, at::detail::createCPUGenerator(7))));
}

// Whatever is inside the hidden tubes, the reconstruction is the same: nothing leaks to the encoder
// (with frame_diff's differences and normal-flow products too).
TEST(MaskedVideo, HiddenPixelsDoNotReachTheEncoder) {
  for (const std::string arch : {"vit", "c3d"}) {
    torch::manual_seed(1);
    MaskedVideo m(small(arch), 0.75, "motion");
    m->eval();
    const at::Tensor video = at::randn({2, 3, 8, 32, 32});
    const at::Tensor mask = m->random_mask(2);
    const at::Tensor other = video + at::randn_like(video) * mask;
    const at::Tensor a = m->forward(video, mask), b = m->forward(other, mask);
    EXPECT_EQ(a.sizes(), video.sizes()) << arch;
    EXPECT_TRUE(at::allclose(a, b, 1e-5, 1e-6)) << arch;
    // ... while the visible pixels do reach it.
    const at::Tensor visible = video + at::randn_like(video) * (1 - mask);
    EXPECT_FALSE(at::allclose(a, m->forward(visible, mask), 1e-3, 1e-4)) << arch;
  }
}

TEST(MaskedVideo, TargetNormalisesEachPatch) {
  MaskedVideo m(small("vit"), 0.9, "pixels");
  const at::Tensor video = at::rand({2, 3, 8, 32, 32}) * 5 + 3;
  const at::Tensor patches = m->target(video).view({2, 3, 2, 4, 8, 4, 8, 4});
  EXPECT_LT(patches.mean({1, 3, 5, 7}).abs().max().item<double>(), 1e-4);
  EXPECT_LT((patches.var({1, 3, 5, 7}, false) - 1).abs().max().item<double>(), 1e-3);
}

// The motion target is the frame differences at unit root mean square: zero for a still clip, and
// nonzero only where something changed.
TEST(MaskedVideo, MotionTargetIsTheFrameDifferences) {
  MaskedVideo m(small("c3d"), 0.75, "motion");
  const at::Tensor still = at::rand({1, 3, 1, 32, 32}).expand({1, 3, 8, 32, 32}).contiguous();
  EXPECT_EQ(m->target(still).abs().max().item<double>(), 0);
  at::Tensor moving = at::zeros({2, 3, 8, 32, 32});
  for (int64_t t = 0; t < 8; ++t) moving.slice(2, t, t + 1).slice(3, 4, 12).slice(4, 2 * t, 2 * t + 8).fill_(3);
  const at::Tensor target = m->target(moving);
  EXPECT_EQ(target.select(2, 0).abs().max().item<double>(), 0);                  // nothing before frame 0
  EXPECT_EQ(target.slice(3, 12, 32).abs().max().item<double>(), 0);              // rows the square never enters
  EXPECT_NEAR(target.pow(2).mean().item<double>(), 1, 0.05);                     // unit RMS (less the floor)
  const at::Tensor diff = moving.slice(2, 1, 8) - moving.slice(2, 0, 7);
  EXPECT_GT(at::cosine_similarity(target.slice(2, 1, 8).flatten(), diff.flatten(), 0).item<double>(), 0.9999);
  EXPECT_THROW(MaskedVideo(small("c3d"), 0.75, "flow"), ConfigError);
}

// A few optimizer steps on one batch of moving squares bring the masked error well below 1 (what
// predicting the patch means scores).
TEST(MaskedVideo, TrainingLowersTheMaskedError) {
  torch::manual_seed(2);
  MaskedVideo m(small("vit"), 0.5, "pixels");
  at::Tensor video = at::zeros({4, 3, 8, 32, 32});
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t t = 0; t < 8; ++t) video[i].slice(1, t, t + 1).slice(2, 8, 16).slice(3, 2 * t + i, 2 * t + i + 8).fill_(1);
  torch::optim::AdamW opt(m->parameters(), torch::optim::AdamWOptions(3e-3));
  const at::Tensor mask = m->random_mask(4, at::detail::createCPUGenerator(3));
  const double first = m->clip_errors(video, mask).mean().item<double>();
  for (int step = 0; step < 60; ++step) {
    opt.zero_grad();
    m->clip_errors(video, m->random_mask(4)).mean().backward();
    opt.step();
  }
  const double last = m->clip_errors(video, mask).mean().item<double>();
  EXPECT_LT(last, 0.6 * first) << first << " -> " << last;
  EXPECT_GT(snr(at::scalar_tensor(last)).item<double>(), snr(at::scalar_tensor(first)).item<double>());
}

}  // namespace
}  // namespace vidrep::models
