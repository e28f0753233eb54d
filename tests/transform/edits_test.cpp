// Copy-style edits: speed plays the clip at the drawn rate, pad shrinks the picture into a border,
// overlay changes one box only, DCT quantisation removes high frequencies block by block.
#include "vidrep/error.h"
#include "vidrep/transform/edits.h"
#include "vidrep/transform/pipeline.h"

#include "transform/clip_helpers.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <set>

namespace vidrep {
namespace {

using namespace transform;

// Frame numbers of a clip made by position_clip (value t * 1e6 + ...).
std::vector<int64_t> frame_numbers(const at::Tensor& clip) {
  std::vector<int64_t> out;
  for (int64_t t = 0; t < clip.size(0); ++t) out.push_back(std::llround(clip[t][0][0][0].item<double>() / 1e6));
  return out;
}

TEST(TransformEdits, SpeedPlaysTheClipAtTheDrawnRate) {
  const at::Tensor x = test::position_clip(32, 4, 4);
  // Rate 2: every second frame, 8 frames spanning 15.
  const auto fast = frame_numbers(random_speed(x, 8, 2, 2, 3));
  ASSERT_EQ(fast.size(), 8u);
  for (size_t i = 1; i < fast.size(); ++i) EXPECT_EQ(fast[i] - fast[i - 1], 2);
  EXPECT_LE(fast.back(), 31);
  // Rate 0.5: each frame twice.
  const auto slow = frame_numbers(random_speed(x, 8, 0.5, 0.5, 3));
  for (size_t i = 1; i < slow.size(); ++i) EXPECT_LE(slow[i] - slow[i - 1], 1);
  EXPECT_EQ(slow.back() - slow.front(), 4);  // round(3.5) past the start, starts at a whole frame or half
  // A rate too fast for the clip is capped to what fits: 16 of 16 frames at rate 1.
  EXPECT_EQ(frame_numbers(random_speed(test::position_clip(16, 2, 2), 16, 2, 2, 5)),
            frame_numbers(test::position_clip(16, 2, 2)));
  // A clip shorter than asked repeats its last frame; same seed, same draw.
  EXPECT_EQ(random_speed(test::position_clip(3, 2, 2), 5, 1, 1, 1).size(0), 5);
  EXPECT_TRUE(at::equal(random_speed(x, 8, 0.5, 2, 9), random_speed(x, 8, 0.5, 2, 9)));
  std::set<std::vector<int64_t>> draws;
  for (uint64_t seed = 0; seed < 10; ++seed) draws.insert(frame_numbers(random_speed(x, 8, 0.5, 2, seed)));
  EXPECT_GT(draws.size(), 5u);
  EXPECT_THROW(random_speed(x, 0, 1, 1, 0), InvalidArgument);
  EXPECT_THROW(random_speed(x, 8, 0, 1, 0), InvalidArgument);
}

TEST(TransformEdits, PadShrinksThePictureIntoAFlatBorder) {
  const at::Tensor x = at::full({2, 40, 60, 3}, 200, at::kByte);
  EXPECT_TRUE(at::equal(random_pad(x, 0.3, 0, 1), x));
  int bordered = 0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    const at::Tensor y = random_pad(x, 0.3, 1, seed);
    ASSERT_EQ(y.sizes(), x.sizes());
    ASSERT_EQ(y.scalar_type(), at::kByte);
    // The centre stays the picture; a corner holds the border's colour when that side was padded.
    EXPECT_EQ(y[0][20][30][0].item<int>(), 200);
    if (!at::equal(y, x)) ++bordered;
    EXPECT_TRUE(at::equal(y[0], y[1]));  // every frame alike
  }
  EXPECT_GE(bordered, 6);
  const at::Tensor f = random_pad(x.to(at::kFloat) / 255, 0.3, 1, 2);
  EXPECT_EQ(f.scalar_type(), at::kFloat);
  EXPECT_LE(f.max().item<float>(), 1.0f);
  EXPECT_THROW(random_pad(x, 1.5, 1, 0), InvalidArgument);
  EXPECT_THROW(random_pad(x, 0.2, 2, 0), InvalidArgument);
}

TEST(TransformEdits, OverlayChangesOneBoxOfEveryFrameOnly) {
  const at::Tensor x = test::random_clip(3, 60, 80, 4);
  EXPECT_TRUE(at::equal(random_overlay(x, 0, 1), x));
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const at::Tensor y = random_overlay(x, 1, seed);
    ASSERT_EQ(y.sizes(), x.sizes());
    const at::Tensor changed = (y != x).any(3);  // [T,H,W]
    ASSERT_TRUE(changed.any().item<bool>()) << seed;
    // Inside one bounding box of at most 15 % of the frame (plus rounding), the same in every frame.
    const at::Tensor rows = changed.any(0).any(1).nonzero(), cols = changed.any(0).any(0).nonzero();
    const int64_t h = rows.max().item<int64_t>() - rows.min().item<int64_t>() + 1;
    const int64_t w = cols.max().item<int64_t>() - cols.min().item<int64_t>() + 1;
    EXPECT_LE(h * w, static_cast<int64_t>(0.16 * 60 * 80)) << seed;
    EXPECT_TRUE(at::equal(changed[0], changed[2])) << seed;
  }
}

TEST(TransformEdits, DctQuantizeRemovesHighFrequenciesPerBlock) {
  // A flat clip is a DC term only: unchanged at a step that divides it.
  const at::Tensor flat = at::full({1, 16, 16, 3}, 128, at::kByte);
  EXPECT_TRUE(at::equal(random_dct_quantize(flat, 4, 4, 1, 0), flat));
  // A checkerboard is the highest frequency: a coarse step flattens it toward grey.
  const at::Tensor checker = ((at::arange(20).view({20, 1}) + at::arange(24).view({1, 24})) % 2 * 255)
                                 .to(at::kByte).view({1, 20, 24, 1}).expand({2, 20, 24, 3}).contiguous();
  const at::Tensor y = random_dct_quantize(checker, 250, 250, 1, 0);
  ASSERT_EQ(y.sizes(), checker.sizes());
  const at::Tensor blocks = y.slice(1, 0, 16).to(at::kFloat), before = checker.slice(1, 0, 16).to(at::kFloat);
  EXPECT_LT(blocks.std().item<float>(), 0.5f * before.std().item<float>());
  // Rows past the last whole block are left as they are.
  EXPECT_TRUE(at::equal(y.slice(1, 16, 20), checker.slice(1, 16, 20)));
  // A fine step keeps the picture (within rounding of the step).
  const at::Tensor noise = test::random_clip(2, 16, 24, 6);
  const at::Tensor fine = random_dct_quantize(noise, 1, 1, 1, 0);
  const at::Tensor error = (fine.to(at::kInt) - noise.to(at::kInt)).abs();
  EXPECT_LE(error.max().item<int>(), 16);
  EXPECT_LT(error.to(at::kFloat).mean().item<float>(), 3.0f);
  EXPECT_TRUE(at::equal(random_dct_quantize(noise, 10, 40, 0, 0), noise));
  EXPECT_THROW(random_dct_quantize(noise, 0, 1, 1, 0), InvalidArgument);
}

TEST(TransformEdits, PipelineTextRoundTripsTheCopyEdits) {
  const Pipeline p = Pipeline::parse("speed=8:0.5-2,random_pad=0.2:1,overlay,dct_quantize=5-20,gaussian_noise=0-8");
  EXPECT_EQ(p.to_string(), "speed=8:0.5-2,random_pad=0.2:1,overlay=0.5,dct_quantize=5-20:0.5,gaussian_noise=0-8");
  EXPECT_EQ(Pipeline::parse(p.to_string()).to_string(), p.to_string());
  const at::Tensor y = p.apply(test::random_clip(16, 32, 32, 7), 3);
  EXPECT_EQ(y.sizes(), (at::IntArrayRef{8, 32, 32, 3}));
  EXPECT_TRUE(at::equal(y, p.apply(test::random_clip(16, 32, 32, 7), 3)));
  EXPECT_THROW(Pipeline::parse("speed=0"), InvalidArgument);
  EXPECT_THROW(Pipeline::parse("random_pad=0.2:7"), InvalidArgument);
  EXPECT_THROW(Pipeline::parse("dct_quantize=0-3"), InvalidArgument);
  EXPECT_THROW(Pipeline::parse("overlay=x"), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
