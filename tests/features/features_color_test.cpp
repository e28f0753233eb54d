// Colour features: HSV bins of known colours, colour moments against a direct computation.
#include "vidrep/error.h"
#include "vidrep/features/color.h"
#include "vidrep/features/feature_extractor.h"

#include "features/feature_test_support.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace vidrep {
namespace {

using features::FeatureExtractor;
using features::FeatureKind;

TEST(FeaturesColor, SolidColourFillsExactlyOneHsvBin) {
  struct Case {
    int r, g, b;
    int h, s, v;  // expected bins of 8 x 4 x 4
  };
  const Case cases[] = {
      {255, 0, 0, 0, 3, 3},      // red: hue 0
      {0, 255, 0, 2, 3, 3},      // green: hue 120 -> 120/45 = 2.67
      {40, 40, 120, 5, 2, 1},    // dark blue: hue 240, saturation 2/3, value 0.47
      {128, 128, 128, 0, 0, 2},  // grey: no hue, no saturation
      {0, 0, 0, 0, 0, 0},        // black
      {255, 255, 255, 0, 0, 3},  // white
      {255, 128, 0, 0, 3, 3},    // orange: hue 30
      {200, 0, 255, 6, 3, 3},    // violet: hue 287 -> 6.4
  };
  const FeatureExtractor fx({.kinds = {FeatureKind::ColorHist}, .stpp = {.spatial = {1, 2}, .temporal = {1, 2}}});
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "rgb " << c.r << "," << c.g << "," << c.b);
    const at::Tensor hist = test::group_of(fx, test::extract(fx, test::solid_clip(4, 6, 8, c.r, c.g, c.b)), "color_hist");
    const int64_t bin = (c.h * 4 + c.s) * 4 + c.v;
    EXPECT_EQ(fx.layout()[0].channels[bin], fmt::format("h{}s{}v{}", c.h, c.s, c.v));
    for (int64_t cell = 0; cell < hist.size(0); ++cell) {
      EXPECT_EQ(hist[cell][bin].item<float>(), 1.0f);
      EXPECT_EQ(hist[cell].sum().item<float>(), 1.0f);
    }
  }
}

TEST(FeaturesColor, HsvMatchesTheHexconeModel) {
  struct Pixel {
    float r, g, b, h, s, v;
  };
  const Pixel pixels[] = {{1.0f, 0.5f, 0.0f, 30, 1, 1},       {0.2f, 0.4f, 0.8f, 220, 0.75f, 0.8f},
                          {0.5f, 0.25f, 0.5f, 300, 0.5f, 0.5f}, {0.9f, 0.1f, 0.3f, 345, 8 / 9.0f, 0.9f},
                          {0.3f, 0.3f, 0.3f, 0, 0, 0.3f},       {0, 0, 0, 0, 0, 0}};
  const int64_t n = std::size(pixels);
  at::Tensor rgb = at::empty({3, 1, n}, at::kFloat);
  for (int64_t i = 0; i < n; ++i) {
    rgb[0][0][i] = pixels[i].r;
    rgb[1][0][i] = pixels[i].g;
    rgb[2][0][i] = pixels[i].b;
  }
  // rgb_to_hsv is channels last: [1,n,3] in, back to [3,1,n] to compare.
  const at::Tensor hsv = to_tensor(features::rgb_to_hsv(to_array(rgb.permute({1, 2, 0})))).permute({2, 0, 1});
  ASSERT_EQ(hsv.sizes(), rgb.sizes());
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(hsv[0][0][i].item<float>(), pixels[i].h, 1e-3) << i;
    EXPECT_NEAR(hsv[1][0][i].item<float>(), pixels[i].s, 1e-6) << i;
    EXPECT_NEAR(hsv[2][0][i].item<float>(), pixels[i].v, 1e-6) << i;
  }
}

TEST(FeaturesColor, HsvBinsAgreeWithTheHexconeModel) {
  // hsv_bin_index works on the bytes with exact integer ratios; binning rgb_to_hsv's floats must
  // agree except where a float lands within rounding of a bin boundary.
  at::manual_seed(4);
  const at::Tensor rgb = at::randint(0, 256, {3, 64, 64}, at::kByte);
  const features::HsvBins bins{8, 4, 4};
  const at::Tensor index = to_tensor(features::hsv_bin_index(to_array(rgb.permute({1, 2, 0})), bins));
  const at::Tensor hsv =
      to_tensor(features::rgb_to_hsv(to_array(rgb.permute({1, 2, 0}).to(at::kFloat) / 255))).permute({2, 0, 1});
  const at::Tensor h = hsv[0] / 45, s = hsv[1] * 4, v = hsv[2] * 4;
  const at::Tensor expected = (h.floor().clamp(0, 7) * 4 + s.floor().clamp(0, 3)) * 4 + v.floor().clamp(0, 3);
  auto near_edge = [](const at::Tensor& x) { return (x - x.round()).abs() < 1e-4; };
  const at::Tensor differ = index.ne(expected.to(at::kLong));
  EXPECT_FALSE(differ.logical_and(near_edge(h).logical_or(near_edge(s)).logical_or(near_edge(v)).logical_not())
                   .any()
                   .item<bool>());
  EXPECT_LT(differ.sum().item<int64_t>(), 20);
}

TEST(FeaturesColor, MomentsMatchDirectComputation) {
  at::manual_seed(5);
  const at::Tensor clip = at::randint(0, 256, {4, 9, 11, 3}, at::kByte);
  const FeatureExtractor fx({.kinds = {FeatureKind::ColorMoments}, .stpp = {.spatial = {1, 2}, .temporal = {1}}});
  const at::Tensor moments = test::group_of(fx, test::extract(fx, clip), "color_moments");
  const at::Tensor x = clip.to(at::kDouble) / 255;  // [T,H,W,3]
  // Cell 0: everything; cell 4: spatial level 2, row 1, col 1 = rows [4,9), cols [5,11).
  const std::pair<int64_t, at::Tensor> cells[] = {{0, x}, {4, x.slice(1, 4, 9).slice(2, 5, 11)}};
  for (const auto& [cell, pixels] : cells) {
    const at::Tensor p = pixels.reshape({-1, 3});
    const at::Tensor mean = p.mean(0);
    const at::Tensor centred = p - mean;
    const at::Tensor std = centred.square().mean(0).sqrt();
    const at::Tensor c3 = centred.pow(3).mean(0);
    const at::Tensor third = c3.sign() * c3.abs().pow(1.0 / 3);
    const at::Tensor expected = at::cat({mean, std, third}).to(at::kFloat);
    EXPECT_TRUE(at::allclose(moments[cell], expected, 1e-5, 1e-5)) << moments[cell] << expected;
  }
  EXPECT_EQ(fx.layout()[0].channels[6], "third_r");
}

TEST(FeaturesColor, FlatClipHasNoSpread) {
  const FeatureExtractor fx({.kinds = {FeatureKind::ColorMoments}, .stpp = {.spatial = {1, 4}, .temporal = {1, 2}}});
  const at::Tensor moments = test::group_of(fx, test::extract(fx, test::solid_clip(6, 10, 14, 200, 37, 91)), "color_moments");
  for (int64_t cell = 0; cell < moments.size(0); ++cell) {
    EXPECT_NEAR(moments[cell][0].item<float>(), 200 / 255.0, 1e-6);
    EXPECT_NEAR(moments[cell][2].item<float>(), 91 / 255.0, 1e-6);
    // float64 pooling: E[x^2] - E[x]^2 and the third central moment cancel to ~1e-8, not ~1e-3.
    EXPECT_LT(moments[cell].narrow(0, 3, 6).abs().max().item<float>(), 1e-4);
  }
}

}  // namespace
}  // namespace vidrep
