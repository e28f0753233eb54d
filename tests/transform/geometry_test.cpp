// Geometric transforms: resize agrees with LibTorch's antialiased bilinear, crops cut the window
// they promise, random ones are seeded and draw once per clip.
#include "vidrep/error.h"
#include "vidrep/random.h"
#include "vidrep/transform/geometry.h"
#include "vidrep/transform/pipeline.h"

#include "support/fixtures.h"
#include "transform/clip_helpers.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace vidrep {
namespace {

using namespace transform;

// LibTorch's reference: the float kernel on the uint8 values, rounded to nearest.
at::Tensor libtorch_resize(const at::Tensor& clip, int64_t w, int64_t h) {
  const at::Tensor nchw = clip.to(at::kFloat).permute({0, 3, 1, 2}).contiguous();
  const at::Tensor out = at::_upsample_bilinear2d_aa(nchw, {h, w}, false);
  return out.round().clamp(0, 255).permute({0, 2, 3, 1}).to(at::kByte);
}

TEST(TransformGeometry, ResizeUint8MatchesLibTorchAntialiasedBilinear) {
  // Noise is the hardest input (every tap matters); sizes cover shrinking by non-integer factors,
  // enlarging, and one side each way. Both sides compute the same weights; ours are in float from
  // double and rounded once, so a value may land one level off where LibTorch's result lies
  // within float error of a half level: at most 1 level, and rarely.
  const at::Tensor x = test::random_clip(3, 72, 96, 1);
  for (const auto& [w, h] : {std::pair{40, 30}, {17, 13}, {200, 150}, {128, 40}, {96, 72}}) {
    const at::Tensor ours = resize(x, w, h);
    ASSERT_EQ(ours.sizes(), (at::IntArrayRef{3, h, w, 3}));
    ASSERT_EQ(ours.scalar_type(), at::kByte);
    const at::Tensor diff = (ours.to(at::kInt) - libtorch_resize(x, w, h).to(at::kInt)).abs();
    EXPECT_LE(diff.max().item<int>(), 1) << w << "x" << h;
    EXPECT_LT(diff.gt(0).to(at::kFloat).mean().item<float>(), 0.01) << w << "x" << h;
  }
  // Same size is the identity.
  EXPECT_TRUE(at::equal(resize(x, 96, 72), x));
}

TEST(TransformGeometry, ResizeFloatIsLibTorchAndAgreesWithUint8) {
  const at::Tensor x = test::random_clip(2, 48, 64, 2);
  const at::Tensor f = resize(x.to(at::kFloat).div(255), 25, 19);
  ASSERT_EQ(f.sizes(), (at::IntArrayRef{2, 19, 25, 3}));
  ASSERT_EQ(f.scalar_type(), at::kFloat);
  const at::Tensor u = resize(x, 25, 19).to(at::kFloat).div(255);
  EXPECT_LE((f - u).abs().max().item<float>(), 1.0f / 255 + 1e-6f);
}

TEST(TransformGeometry, ResizeReadsACropWindowInPlace) {
  const at::Tensor x = test::random_clip(2, 60, 80, 3);
  const at::Tensor window = x.slice(1, 5, 45).slice(2, 10, 70);  // strided view
  EXPECT_TRUE(at::equal(resize(window, 30, 20), resize(window.contiguous(), 30, 20)));
}

TEST(TransformGeometry, ResizeCropEqualsResizeThenCrop) {
  // Computing only the window must not change a single value, at the edges included.
  const at::Tensor x = test::random_clip(2, 72, 96, 9);
  for (const CropBox& b : {CropBox{0, 0, 40, 30}, CropBox{0, 0, 25, 30}, CropBox{7, 15, 25, 23}, CropBox{29, 39, 1, 1}}) {
    EXPECT_TRUE(at::equal(resize_crop(x, 40, 30, b), crop(resize(x, 40, 30), b.top, b.left, b.width, b.height)))
        << b.top << "," << b.left;
    const at::Tensor f = x.to(at::kFloat);
    EXPECT_TRUE(at::equal(resize_crop(f, 40, 30, b), crop(resize(f, 40, 30), b.top, b.left, b.width, b.height)));
  }
  EXPECT_TRUE(at::equal(resize_crop(x, 150, 110, {20, 30, 64, 48}), crop(resize(x, 150, 110), 20, 30, 64, 48)));
  EXPECT_THROW(resize_crop(x, 40, 30, {25, 0, 10, 10}), InvalidArgument);
}

TEST(TransformGeometry, ResizeShortKeepsTheAspectRatioAsTorchvision) {
  EXPECT_EQ(resize_short(test::random_clip(2, 72, 96, 4), 36).sizes(), (at::IntArrayRef{2, 36, 48, 3}));
  // torchvision truncates the long side: 128 * 1280 / 720 = 227.6 -> 227.
  const FrameSize s = short_side_size(1280, 720, 128);
  EXPECT_EQ(s.width, 227);
  EXPECT_EQ(s.height, 128);
  const FrameSize portrait = short_side_size(720, 1280, 128);
  EXPECT_EQ(portrait.width, 128);
  EXPECT_EQ(portrait.height, 227);
}

TEST(TransformGeometry, FlipTwiceIsIdentityAndFlipMirrors) {
  const at::Tensor x = test::random_clip(3, 8, 11, 5);
  const at::Tensor once = hflip(x);
  EXPECT_FALSE(at::equal(once, x));
  EXPECT_TRUE(at::equal(once.select(2, 0), x.select(2, 10)));
  EXPECT_TRUE(at::equal(hflip(once), x));
  const at::Tensor f = x.to(at::kFloat);
  EXPECT_TRUE(at::equal(hflip(hflip(f)), f));
}

TEST(TransformGeometry, CenterCropTakesTheMiddleRoundingHalfToEven) {
  const at::Tensor x = test::position_clip(2, 7, 10);
  const at::Tensor c = center_crop(x, 4, 2);
  ASSERT_EQ(c.sizes(), (at::IntArrayRef{2, 2, 4, 3}));
  // top = round(5 / 2) = 2 (half to even), left = 6 / 2 = 3.
  EXPECT_EQ(c[0][0][0][0].item<float>(), 2 * 1e3 + 3);
  EXPECT_EQ(c[1][1][3][2].item<float>(), 1e6 + 3 * 1e3 + 6);
}

TEST(TransformGeometry, CropLargerThanTheFrameIsAnError) {
  const at::Tensor x = test::random_clip(1, 72, 96, 6);
  try {
    center_crop(x, 500, 500);
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "center_crop: crop 500x500 larger than frame 96x72");
  }
  EXPECT_THROW(random_crop(x, 97, 10, 0), InvalidArgument);
  EXPECT_THROW(crop(x, 70, 0, 10, 10), InvalidArgument);
  EXPECT_NO_THROW(center_crop(x, 96, 72));
}

TEST(TransformGeometry, BadClipsAreRefusedWithExpectedAndGot) {
  try {
    resize(at::zeros({3, 4}, at::kLong), 2, 2);
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "resize: expected a [T,H,W,C] uint8 or float32 clip, got [3,4] int64");
  }
  EXPECT_THROW(resize(test::random_clip(1, 8, 8, 0), 0, 4), InvalidArgument);
  EXPECT_THROW(temporal_stride(test::random_clip(1, 8, 8, 0), 0), InvalidArgument);
  EXPECT_THROW(random_hflip(test::random_clip(1, 8, 8, 0), 1.5, 0), InvalidArgument);
}

TEST(TransformGeometry, RandomCropIsSeededAndTheSameWindowForEveryFrame) {
  const at::Tensor x = test::position_clip(4, 40, 50);
  std::set<std::pair<float, float>> corners;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const at::Tensor c = random_crop(x, 16, 12, seed);
    ASSERT_EQ(c.sizes(), (at::IntArrayRef{4, 12, 16, 3}));
    EXPECT_TRUE(at::equal(c, random_crop(x, 16, 12, seed)));
    // Subtracting each frame's t * 1e6 leaves the same window in every frame.
    const at::Tensor local = c - at::arange(4, at::kFloat).view({4, 1, 1, 1}) * 1e6;
    EXPECT_TRUE(at::equal(local, local[0].expand_as(local)));
    const float v = local[0][0][0][0].item<float>();
    corners.insert({std::floor(v / 1e3f), std::fmod(v, 1e3f)});
  }
  EXPECT_GT(corners.size(), 10u);  // different seeds, different windows
}

TEST(TransformGeometry, RandomResizedCropDrawsAreaAndRatioInRange) {
  const ResizedCropOptions o{.width = 32, .height = 24, .scale_min = 0.2, .scale_max = 0.6};
  std::set<std::tuple<int64_t, int64_t, int64_t, int64_t>> boxes;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const CropBox b = random_resized_crop_box(160, 120, o, seed);
    ASSERT_GE(b.top, 0);
    ASSERT_GE(b.left, 0);
    ASSERT_LE(b.top + b.height, 120);
    ASSERT_LE(b.left + b.width, 160);
    // Rounding w and h to whole pixels moves the area and ratio a little.
    const double area = double(b.width) * b.height / (160.0 * 120.0);
    EXPECT_GE(area, 0.2 * 0.97);
    EXPECT_LE(area, 0.6 * 1.03);
    const double ratio = double(b.width) / b.height;
    EXPECT_GE(ratio, 0.75 * 0.97);
    EXPECT_LE(ratio, 4.0 / 3.0 * 1.03);
    boxes.insert({b.top, b.left, b.width, b.height});
  }
  EXPECT_GT(boxes.size(), 150u);
  const at::Tensor x = test::random_clip(3, 120, 160, 7);
  const at::Tensor y = random_resized_crop(x, o, 11);
  EXPECT_EQ(y.sizes(), (at::IntArrayRef{3, 24, 32, 3}));
  EXPECT_TRUE(at::equal(y, random_resized_crop(x, o, 11)));
  EXPECT_FALSE(at::equal(y, random_resized_crop(x, o, 12)));
  // The output is the drawn box, resized.
  const CropBox b = random_resized_crop_box(160, 120, o, 11);
  EXPECT_TRUE(at::equal(y, resize(crop(x, b.top, b.left, b.width, b.height), 32, 24)));
}

TEST(TransformGeometry, RandomResizedCropFallsBackToTheCentreWithinTheRatios) {
  // A 10:1 frame cannot hold any 1:1 window of 90% of its area: the fallback is the centred square.
  const ResizedCropOptions o{.width = 8, .height = 8, .scale_min = 0.9, .scale_max = 1.0, .ratio_min = 1.0,
                             .ratio_max = 1.0};
  const CropBox b = random_resized_crop_box(100, 10, o, 3);
  EXPECT_EQ(b.width, 10);
  EXPECT_EQ(b.height, 10);
  EXPECT_EQ(b.left, 45);
  EXPECT_EQ(b.top, 0);
}

TEST(TransformGeometry, RandomHflipFollowsItsProbability) {
  const at::Tensor x = test::random_clip(2, 6, 9, 8);
  const at::Tensor flipped = hflip(x);
  int flips = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    EXPECT_TRUE(at::equal(random_hflip(x, 0.0, seed), x));
    EXPECT_TRUE(at::equal(random_hflip(x, 1.0, seed), flipped));
    const at::Tensor y = random_hflip(x, 0.5, seed);
    EXPECT_TRUE(at::equal(y, random_hflip(x, 0.5, seed)));
    flips += at::equal(y, flipped);
  }
  EXPECT_GT(flips, 160);  // 200 expected; 4 standard deviations is 40
  EXPECT_LT(flips, 240);
}

TEST(TransformGeometry, RandomFlipReversesTheAxisItNames) {
  const at::Tensor x = test::random_clip(3, 4, 5, 2);
  const at::Tensor backwards = random_flip(x, kFlipTime, 1.0, 0);
  const at::Tensor upside_down = random_flip(x, kFlipRows, 1.0, 0);
  for (int64_t t = 0; t < 3; ++t) EXPECT_TRUE(at::equal(backwards[t], x[2 - t]));
  for (int64_t y = 0; y < 4; ++y) EXPECT_TRUE(at::equal(upside_down.select(1, y), x.select(1, 3 - y)));
  EXPECT_TRUE(at::equal(random_flip(x, kFlipColumns, 1.0, 0), hflip(x)));
  EXPECT_TRUE(at::equal(random_flip(x, kFlipTime, 0.0, 0), x));
  EXPECT_EQ(test::error_message<InvalidArgument>([&] { random_flip(x, kFlipRows, -0.1, 0); }),
            "random_vflip: expected a probability in [0,1], got -0.1");
}

TEST(TransformGeometry, RandomTransposeSwapsRowsAndColumnsOfSquareFrames) {
  const at::Tensor x = test::random_clip(3, 4, 4, 2);
  const at::Tensor y = random_transpose(x, 1.0, 0);
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 4; ++c) EXPECT_TRUE(at::equal(y.select(1, r).select(1, c), x.select(1, c).select(1, r)));
  EXPECT_TRUE(y.is_contiguous());
  EXPECT_TRUE(at::equal(random_transpose(x, 0.0, 0), x));
  int transposed = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) transposed += !at::equal(random_transpose(x, 0.5, seed), x);
  EXPECT_GT(transposed, 70);
  EXPECT_LT(transposed, 130);
  EXPECT_EQ(test::error_message<InvalidArgument>([] { random_transpose(test::random_clip(3, 4, 5, 2), 1.0, 0); }),
            "random_transpose: expected square frames, got 5x4");
}

TEST(TransformGeometry, TemporalStrideKeepsEveryKthFrame) {
  const at::Tensor x = test::position_clip(10, 4, 5);
  const at::Tensor y = temporal_stride(x, 3);
  ASSERT_EQ(y.size(0), 4);
  for (int64_t i = 0; i < 4; ++i) EXPECT_TRUE(at::equal(y[i], x[3 * i]));
  EXPECT_TRUE(at::equal(temporal_stride(x, 1), x));
}

TEST(TransformGeometry, TemporalJitterShiftsTheStartAndKeepsTheOrder) {
  const at::Tensor x = test::position_clip(10, 4, 5);
  std::set<int64_t> shifts;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const at::Tensor y = temporal_jitter(x, 2, seed);
    ASSERT_EQ(y.sizes(), x.sizes());
    EXPECT_TRUE(at::equal(y, temporal_jitter(x, 2, seed)));
    // Find the shift s: frame i of y is frame clamp(i + s) of x, so the middle frames tell it.
    int64_t s = -100;
    for (int64_t d = -2; d <= 2; ++d)
      if (at::equal(y[5], x[5 + d])) s = d;
    ASSERT_NE(s, -100) << "seed " << seed;
    for (int64_t i = 0; i < 10; ++i) EXPECT_TRUE(at::equal(y[i], x[std::clamp<int64_t>(i + s, 0, 9)])) << seed;
    shifts.insert(s);
  }
  EXPECT_EQ(shifts, (std::set<int64_t>{-2, -1, 0, 1, 2}));  // every shift in [-K, K] drawn
  EXPECT_TRUE(at::equal(temporal_jitter(x, 0, 3), x));
  EXPECT_THROW(temporal_jitter(x, -1, 0), InvalidArgument);
  // As a pipeline item.
  EXPECT_TRUE(at::equal(transform::Pipeline::parse("temporal_jitter=2").apply(x, 7), temporal_jitter(x, 2, derive_seed(7, 0))));
}

}  // namespace
}  // namespace vidrep
