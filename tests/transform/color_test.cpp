// Photometric transforms: jitter factors behave as torchvision defines them, channel shuffling
// and inversion only reorder or negate channels, equalised luma has a flat histogram, blur
// removes noise, noise has the asked-for spread; seeds reproduce.
#include "vidrep/error.h"
#include "vidrep/transform/color.h"

#include "transform/clip_helpers.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace vidrep {
namespace {

using namespace transform;

at::Tensor luma(const at::Tensor& clip) {
  const at::Tensor w = at::tensor({0.299f, 0.587f, 0.114f}).view({3, 1});
  return at::matmul(clip.to(at::kFloat), w).squeeze(-1);
}

// A single pixel clip [1,1,1,3] of float RGB.
at::Tensor pixel(float r, float g, float b) { return at::tensor({r, g, b}).view({1, 1, 1, 3}); }

TEST(TransformColor, BrightnessScalesAndClamps) {
  const at::Tensor x = test::random_clip(2, 8, 8, 1);
  const at::Tensor half = adjust_brightness(x, 0.5);
  EXPECT_LE((half.to(at::kFloat) - x.to(at::kFloat) * 0.5).abs().max().item<float>(), 0.5f + 1e-4f);
  const at::Tensor f = x.to(at::kFloat) / 255;
  EXPECT_TRUE(at::allclose(adjust_brightness(f, 0.5), f * 0.5));
  EXPECT_EQ(adjust_brightness(f, 10.0).max().item<float>(), 1.0f);
}

TEST(TransformColor, ContrastZeroIsEachFramesMeanGreyAndSaturationZeroIsGrey) {
  const at::Tensor f = test::random_clip(2, 8, 8, 2).to(at::kFloat) / 255;
  const at::Tensor flat = adjust_contrast(f, 0.0);
  for (int64_t t = 0; t < 2; ++t) {
    const float mean = (f[t] * at::tensor({0.2989f, 0.587f, 0.114f})).sum(-1).mean().item<float>();
    EXPECT_NEAR(flat[t].min().item<float>(), mean, 1e-5);
    EXPECT_NEAR(flat[t].max().item<float>(), mean, 1e-5);
  }
  const at::Tensor grey = adjust_saturation(f, 0.0);
  EXPECT_TRUE(at::allclose(grey.select(3, 0), grey.select(3, 1)));
  EXPECT_TRUE(at::allclose(grey.select(3, 1), grey.select(3, 2)));
  EXPECT_TRUE(at::allclose(adjust_contrast(f, 1.0), f));
}

TEST(TransformColor, HueRotatesPrimariesAndKeepsGrey) {
  const float third = 1.0f / 3.0f;
  EXPECT_TRUE(at::allclose(adjust_hue(pixel(1, 0, 0), third), pixel(0, 1, 0), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(adjust_hue(pixel(0, 1, 0), third), pixel(0, 0, 1), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(adjust_hue(pixel(0, 0, 0.5f), -third), pixel(0, 0.5f, 0), 1e-5, 1e-5));
  EXPECT_TRUE(at::equal(adjust_hue(pixel(0.3f, 0.3f, 0.3f), 0.25), pixel(0.3f, 0.3f, 0.3f)));
  const at::Tensor f = test::random_clip(2, 8, 8, 3).to(at::kFloat) / 255;
  EXPECT_TRUE(at::allclose(adjust_hue(adjust_hue(f, 0.2), -0.2), f, 1e-4, 1e-4));
  EXPECT_FALSE(at::allclose(adjust_hue(f, 0.2), f, 1e-2, 1e-2));
  EXPECT_THROW(adjust_hue(f, 0.7), InvalidArgument);
}

TEST(TransformColor, ColorJitterIsSeededAndTheSameForEveryFrame) {
  // Four identical frames must come out identical: one draw per clip.
  const at::Tensor frame = test::random_clip(1, 16, 16, 4);
  const at::Tensor x = frame.expand({4, 16, 16, 3}).contiguous();
  const ColorJitterOptions o{0.4, 0.4, 0.4, 0.1};
  const at::Tensor y = color_jitter(x, o, 7);
  for (int64_t t = 1; t < 4; ++t) EXPECT_TRUE(at::equal(y[t], y[0]));
  EXPECT_TRUE(at::equal(y, color_jitter(x, o, 7)));
  EXPECT_FALSE(at::equal(y, color_jitter(x, o, 8)));
  EXPECT_FALSE(at::equal(y, x));
  EXPECT_TRUE(at::equal(color_jitter(x, {}, 7), x));  // zero strengths: unchanged
  EXPECT_THROW(color_jitter(x, {0, 0, 0, 0.6}, 0), InvalidArgument);
  EXPECT_THROW(color_jitter(at::zeros({1, 4, 4, 1}, at::kByte), o, 0), InvalidArgument);  // not RGB
}

TEST(TransformColor, ChannelShuffleAndInvertAreSeededColourSymmetries) {
  const at::Tensor x = test::random_clip(3, 8, 8, 9);
  // P = 1: every clip in one of the six orders of the same three channels, the same for every
  // frame and pixel, each order drawn for some of 60 seeds.
  std::set<std::vector<int64_t>> seen;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    const at::Tensor y = random_channel_shuffle(x, 1.0, seed);
    EXPECT_TRUE(at::equal(y, random_channel_shuffle(x, 1.0, seed)));
    std::vector<int64_t> order;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t d = 0; d < 3; ++d)
        if (at::equal(y.select(3, c), x.select(3, d))) order.push_back(d);
    ASSERT_EQ(order.size(), 3u) << "seed " << seed;
    seen.insert(order);
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_TRUE(at::equal(random_channel_shuffle(x, 0.0, 3), x));
  EXPECT_THROW(random_channel_shuffle(at::zeros({1, 4, 4, 1}, at::kByte), 0.5, 0), InvalidArgument);  // not RGB

  EXPECT_TRUE(at::equal(random_invert(x, 1.0, 0), 255 - x));
  EXPECT_TRUE(at::equal(random_invert(random_invert(x, 1.0, 0), 1.0, 1), x));
  const at::Tensor f = x.to(at::kFloat) / 255;
  EXPECT_TRUE(at::allclose(random_invert(f, 1.0, 0), 1 - f));
  EXPECT_TRUE(at::equal(random_invert(x, 0.0, 0), x));
  EXPECT_THROW(random_invert(x, 1.5, 0), InvalidArgument);
}

TEST(TransformColor, EqualizedLumaHasAFlatCdf) {
  // Low contrast: luma within 100..140, with a little colour.
  const at::Tensor base = test::random_clip(2, 64, 64, 5, 100, 140, 1).to(at::kInt);
  const at::Tensor tint = test::random_clip(2, 64, 64, 6, 0, 6).to(at::kInt) - 3;
  const at::Tensor x = (base + tint).clamp(0, 255).to(at::kByte);
  const at::Tensor y = equalize_luma(x);
  ASSERT_EQ(y.sizes(), x.sizes());
  ASSERT_EQ(y.scalar_type(), at::kByte);
  for (int64_t t = 0; t < 2; ++t) {
    const at::Tensor levels = luma(y[t].unsqueeze(0)).round().clamp(0, 255).to(at::kLong).flatten();
    const at::Tensor cdf = at::bincount(levels, {}, 256).cumsum(0).to(at::kFloat) / levels.numel();
    const at::Tensor linear = (at::arange(256, at::kFloat) + 1) / 256;
    // ~40 input levels spread over 256: the CDF is a staircase of ~1/40 steps around the line.
    EXPECT_LT((cdf - linear).abs().max().item<float>(), 0.05) << "frame " << t;
    EXPECT_GT(luma(y[t].unsqueeze(0)).std().item<float>(), 3 * luma(x[t].unsqueeze(0)).std().item<float>());
  }
  // Chroma is kept: R-G and B-G do not change where nothing clamps.
  const at::Tensor xi = x.to(at::kInt), yi = y.to(at::kInt);
  const at::Tensor inside = (yi.amin(-1) > 0) & (yi.amax(-1) < 255);
  const at::Tensor d = ((yi.select(3, 0) - yi.select(3, 1)) - (xi.select(3, 0) - xi.select(3, 1))).abs();
  EXPECT_LE(d.masked_select(inside).max().item<int>(), 1);
}

TEST(TransformColor, EqualizeMatchesOpenCvsLevelMap) {
  // Grey: half the pixels at 100, a quarter at 110, a quarter at 200. OpenCV maps the darkest
  // level present to 0 and (cdf - cdf_min) * 255 / (N - cdf_min) above it.
  at::Tensor x = at::full({1, 4, 4, 3}, 100, at::kByte);
  x.slice(1, 2, 3).fill_(110);
  x.slice(1, 3, 4).fill_(200);
  const at::Tensor y = equalize_luma(x);
  EXPECT_EQ(y[0][0][0][0].item<uint8_t>(), 0);
  EXPECT_EQ(y[0][2][0][1].item<uint8_t>(), 128);  // (12 - 8) * 255 / 8 = 127.5 -> 128
  EXPECT_EQ(y[0][3][0][2].item<uint8_t>(), 255);
  // One grey level: unchanged.
  const at::Tensor flat = at::full({1, 4, 4, 3}, 77, at::kByte);
  EXPECT_TRUE(at::equal(equalize_luma(flat), flat));
  // float 0..1 gives the same map.
  const at::Tensor f = equalize_luma(x.to(at::kFloat) / 255);
  EXPECT_TRUE(at::allclose(f * 255, y.to(at::kFloat), 1e-3, 1e-3));
}

TEST(TransformColor, BlurLowersNoiseVarianceAndKeepsFlatImages) {
  const at::Tensor noisy = (test::random_normal({2, 64, 64, 3}, 9) * 20 + 128).round().clamp(0, 255).to(at::kByte);
  const at::Tensor blurred = gaussian_blur(noisy, 2.0);
  ASSERT_EQ(blurred.sizes(), noisy.sizes());
  ASSERT_EQ(blurred.scalar_type(), at::kByte);
  const float before = noisy.to(at::kFloat).std().item<float>();
  const float after = blurred.to(at::kFloat).std().item<float>();
  // A Gaussian of sigma 2 averages ~4 pi sigma^2 = 50 pixels: the std falls ~7x.
  EXPECT_LT(after, before / 4);
  EXPECT_NEAR(blurred.to(at::kFloat).mean().item<float>(), noisy.to(at::kFloat).mean().item<float>(), 0.5);
  const at::Tensor flat = at::full({1, 10, 12, 3}, 0.25f);
  EXPECT_TRUE(at::allclose(gaussian_blur(flat, 3.0), flat));
  EXPECT_TRUE(at::equal(gaussian_blur(noisy, 0.0), noisy));
  EXPECT_THROW(gaussian_blur(noisy, -1.0), InvalidArgument);
}

TEST(TransformColor, NoiseHasTheAskedSpreadInTheClipsUnitsAndIsSeeded) {
  const at::Tensor grey = at::full({4, 64, 64, 3}, 128, at::kByte);
  const at::Tensor y = gaussian_noise(grey, 10.0, 1);
  const at::Tensor d = y.to(at::kFloat) - 128;
  EXPECT_NEAR(d.std().item<float>(), 10.0, 0.3);
  EXPECT_NEAR(d.mean().item<float>(), 0.0, 0.1);
  EXPECT_TRUE(at::equal(y, gaussian_noise(grey, 10.0, 1)));
  EXPECT_FALSE(at::equal(y, gaussian_noise(grey, 10.0, 2)));
  const at::Tensor f = gaussian_noise(at::full({4, 64, 64, 3}, 0.5f), 0.05, 1);
  EXPECT_NEAR((f - 0.5f).std().item<float>(), 0.05, 0.002);
  // uint8 saturates instead of wrapping.
  const at::Tensor white = gaussian_noise(at::full({1, 32, 32, 3}, 250, at::kByte), 30.0, 3);
  EXPECT_GT(white.to(at::kFloat).mean().item<float>(), 200);
  EXPECT_EQ(gaussian_noise(grey, 0.0, 1).to(at::kInt).sub(128).abs().max().item<int>(), 0);
}

}  // namespace
}  // namespace vidrep
