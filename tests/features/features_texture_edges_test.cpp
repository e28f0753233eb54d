// Texture (uniform LBP) and edge (Sobel) features on images whose codes and gradients are known.
#include "vidrep/features/edges.h"
#include "vidrep/features/feature_extractor.h"
#include "vidrep/features/texture.h"

#include "features/feature_test_support.h"

#include <gtest/gtest.h>

#include <set>

namespace vidrep {
namespace {

using features::FeatureExtractor;
using features::FeatureKind;

TEST(FeaturesTexture, UniformTableHas58Patterns) {
  const auto& labels = features::uniform_lbp_labels();
  std::set<int64_t> uniform;
  for (int64_t label : labels) {
    if (label < 58) uniform.insert(label);
  }
  EXPECT_EQ(uniform.size(), 58u);
  EXPECT_EQ(labels[0], 0);
  EXPECT_EQ(labels[1], 1);
  EXPECT_LT(labels[0b00111000], 58);  // one run of ones: 2 transitions
  EXPECT_LT(labels[0b10000001], 58);  // a run wrapping round the circle
  EXPECT_EQ(labels[0b01010101], 58);  // 8 transitions
  EXPECT_EQ(labels[0b00100100], 58);  // 4 transitions
  EXPECT_EQ(labels[255], 57);
}

TEST(FeaturesTexture, CodesOfAKnownPattern) {
  // One bright pixel at (2,2) of a dark 5x5 image.
  at::Tensor image = at::zeros({5, 5}, at::kFloat);
  image[2][2] = 1;
  const at::Tensor codes = to_tensor(features::lbp_codes(to_array(image))).to(at::kInt);
  EXPECT_EQ(codes[2][2].item<int>(), 0);        // every neighbour darker
  EXPECT_EQ(codes[2][3].item<int>(), 255);      // its west neighbour (bit 4) is brighter, the rest equal
  EXPECT_EQ(codes[0][0].item<int>(), 255);      // flat: every neighbour equal
  EXPECT_EQ(codes.ne(255).sum().item<int64_t>(), 1);  // a brighter neighbour keeps the others at 255
  // A vertical step, dark left / bright right: a left-column pixel sees E, SE, NE brighter.
  at::Tensor step = at::zeros({4, 4}, at::kFloat);
  step.slice(1, 2, 4).fill_(1);
  const at::Tensor c = to_tensor(features::lbp_codes(to_array(step))).to(at::kInt);
  EXPECT_EQ(c[1][2].item<int>(), 0b11000111);  // first bright column: W, SW, NW (bits 3-5) darker
  EXPECT_EQ(c[1][1].item<int>(), 0b11111111);  // last dark column: neighbours equal or brighter
  at::Tensor rising = at::arange(4, at::kFloat).view({1, 4}).expand({4, 4}).contiguous();
  // Increasing to the right: E, SE, NE brighter (bits 0, 1, 7), S and N equal (bits 2, 6), W side darker.
  EXPECT_EQ(to_tensor(features::lbp_codes(to_array(rising)))[1][1].item<uint8_t>(), 0b11000111);
}

TEST(FeaturesTexture, ConstantImageLbpIsAllInOneBin) {
  const FeatureExtractor fx({.kinds = {FeatureKind::Lbp}, .stpp = {.spatial = {1, 2}, .temporal = {1}}});
  const at::Tensor lbp = test::group_of(fx, test::extract(fx, test::solid_clip(3, 9, 7, 90, 140, 30)), "lbp");
  ASSERT_EQ(lbp.size(1), 59);
  EXPECT_EQ(fx.layout()[0].channels[57], "code255");
  EXPECT_EQ(fx.layout()[0].channels[58], "nonuniform");
  for (int64_t cell = 0; cell < lbp.size(0); ++cell) {
    EXPECT_EQ(lbp[cell][57].item<float>(), 1.0f);
    EXPECT_EQ(lbp[cell].sum().item<float>(), 1.0f);
  }
}

TEST(FeaturesTexture, NoiseSpreadsOverTheBins) {
  at::manual_seed(9);
  const FeatureExtractor fx({.kinds = {FeatureKind::Lbp}});
  const at::Tensor lbp = test::group_of(fx, test::extract(fx, at::randint(0, 256, {2, 32, 32, 3}, at::kByte)), "lbp")[0];
  EXPECT_NEAR(lbp.sum().item<float>(), 1.0f, 1e-5);
  EXPECT_GT(lbp.gt(0).sum().item<int64_t>(), 40);
  EXPECT_GT(lbp[58].item<float>(), 0.3f);  // most codes of white noise are not uniform
}

TEST(FeaturesEdges, SobelOfARampIsItsSlope) {
  const at::Tensor ramp = at::arange(12, at::kFloat).view({1, 12}).expand({8, 12}) * 0.01 +
                          at::arange(8, at::kFloat).view({8, 1}) * -0.03;
  const auto [x, y] = features::sobel(to_array(ramp));
  const at::Tensor gx = to_tensor(x), gy = to_tensor(y);
  const at::Tensor inner_x = gx.slice(0, 1, 7).slice(1, 1, 11), inner_y = gy.slice(0, 1, 7).slice(1, 1, 11);
  EXPECT_TRUE(at::allclose(inner_x, at::full_like(inner_x, 0.01), 0, 1e-6));
  EXPECT_TRUE(at::allclose(inner_y, at::full_like(inner_y, -0.03), 0, 1e-6));
}

at::Tensor stripes(int64_t h, int64_t w, int along) {  // 0: vertical stripes, 1: horizontal, 2: diagonal
  const at::Tensor x = at::arange(w, at::kLong).view({1, w}), y = at::arange(h, at::kLong).view({h, 1});
  const at::Tensor u = along == 0 ? x.expand({h, w}) : along == 1 ? y.expand({h, w}) : x + y;
  const at::Tensor grey = at::remainder(at::floor_divide(u, 4), 2).mul(200).add(20).to(at::kByte);
  return grey.view({1, h, w, 1}).expand({3, h, w, 3}).contiguous();
}

TEST(FeaturesEdges, StripeOrientationLandsInItsBin) {
  const FeatureExtractor fx({.kinds = {FeatureKind::Edges}, .stpp = {.spatial = {1, 2}, .temporal = {1}}});
  // Vertical stripes change along x: horizontal gradients, bin 0 (0 deg). Horizontal stripes: bin 4
  // (90 deg). Diagonal stripes along x + y: gradient at 45 deg, bin 2, all but the staircase
  // corners of their pixel edges.
  struct Case {
    int along;
    int64_t bin;
    float share;  // of the magnitude-weighted orientation mass
  };
  for (const auto& [along, bin, share] : {Case{0, 0, 1.0f}, Case{1, 4, 1.0f}, Case{2, 2, 0.9f}}) {
    SCOPED_TRACE(testing::Message() << "stripes " << along);
    const at::Tensor d = test::extract(fx, stripes(32, 40, along));
    const at::Tensor orientation = test::group_of(fx, d, "edges.orientation");
    const at::Tensor magnitude = test::group_of(fx, d, "edges.magnitude");
    for (int64_t cell = 0; cell < orientation.size(0); ++cell) {
      EXPECT_GT(orientation[cell][bin].item<float>(), 0.05f);
      EXPECT_GE(orientation[cell][bin].item<float>(), share * orientation[cell].sum().item<float>() - 1e-6);
      // The weighted bins add up to the mean magnitude.
      EXPECT_NEAR(orientation[cell].sum().item<float>(), magnitude[cell][0].item<float>(), 1e-5);
      EXPECT_GE(magnitude[cell][1].item<float>(), magnitude[cell][0].item<float>() * magnitude[cell][0].item<float>());
    }
  }
  EXPECT_EQ(fx.layout()[1].channels[4], "90deg");
}

TEST(FeaturesEdges, AngleBinsAreCentred) {
  const at::Tensor x = at::tensor({1.0f, 1.0f, -1.0f, 0.0f, 1.0f, 0.0f});
  const at::Tensor y = at::tensor({0.0f, 0.1f, 0.0f, 1.0f, -1.0f, -1.0f});
  EXPECT_TRUE(at::equal(to_tensor(features::angle_bins(to_array(x), to_array(y), 8, true)), at::tensor({0, 0, 4, 2, 7, 6}, at::kLong)));
  EXPECT_TRUE(at::equal(to_tensor(features::angle_bins(to_array(x), to_array(y), 8, false)), at::tensor({0, 0, 0, 4, 6, 4}, at::kLong)));
}

}  // namespace
}  // namespace vidrep
