// Motion features: frame differences and dense optical flow against clips whose motion is known.
#include "vidrep/error.h"
#include "vidrep/features/feature_extractor.h"
#include "vidrep/features/optical_flow.h"

#include "features/feature_test_support.h"

#include <gtest/gtest.h>

namespace vidrep {
namespace {

using features::FeatureExtractor;
using features::FeatureKind;

FeatureExtractor motion_only(features::StppLevels stpp = {}) {
  return FeatureExtractor({.kinds = {FeatureKind::Motion}, .stpp = stpp});
}

TEST(FeaturesMotion, StaticVideoHasNoMotion) {
  const FeatureExtractor fx = motion_only({.spatial = {1, 2}, .temporal = {1, 2}});
  const at::Tensor d = test::extract(fx, test::textured_clip(8, 64, 80, 0, 0));
  EXPECT_EQ(test::group_of(fx, d, "motion.frame_diff").abs().max().item<float>(), 0.0f);
  EXPECT_LT(test::group_of(fx, d, "motion.flow").abs().max().item<float>(), 1e-4);
  EXPECT_LT(test::group_of(fx, d, "motion.flow_direction").abs().max().item<float>(), 1e-4);
}

struct Translation {
  double dx, dy;
  int64_t bin;  // of 8 direction bins: 0 right, 2 down, 4 left, 6 up
};

// Tolerance 0.05 px: the pattern is smooth and exactly translated, so the remaining error comes
// from uint8 rounding of the frames and from the band of new content entering at one border;
// measured errors are below 0.02 px, a broken solver or sign is off by a pixel or more.
TEST(FeaturesMotion, FlowFollowsAKnownTranslation) {
  const FeatureExtractor fx = motion_only();
  for (const Translation& m : {Translation{2, 0, 0}, Translation{0, 2, 2}, Translation{-1.5, 0, 4},
                               Translation{0, -1, 6}, Translation{0.5, 0, 0}}) {
    SCOPED_TRACE(testing::Message() << "shift (" << m.dx << ", " << m.dy << ") px per frame");
    const at::Tensor d = test::extract(fx, test::textured_clip(16, 112, 112, m.dx, m.dy));
    const at::Tensor flow = test::group_of(fx, d, "motion.flow")[0];  // mean, std magnitude, mean dx, dy
    EXPECT_NEAR(flow[2].item<float>(), m.dx, 0.05);
    EXPECT_NEAR(flow[3].item<float>(), m.dy, 0.05);
    EXPECT_NEAR(flow[0].item<float>(), std::hypot(m.dx, m.dy), 0.05);
    EXPECT_LT(flow[1].item<float>(), 0.1);
    const at::Tensor direction = test::group_of(fx, d, "motion.flow_direction")[0];
    EXPECT_EQ(direction.argmax().item<int64_t>(), m.bin);
    EXPECT_GT(direction[m.bin].item<float>(), 0.95 * direction.sum().item<float>());
    // Weighted bins sum to the mean magnitude.
    EXPECT_NEAR(direction.sum().item<float>(), flow[0].item<float>(), 1e-4);
    EXPECT_GT(test::group_of(fx, d, "motion.frame_diff")[0][0].item<float>(), 0.01);
  }
}

TEST(FeaturesMotion, DenseFlowIsPerPixel) {
  const at::Tensor clip = test::textured_clip(3, 48, 64, 1, -1);
  const at::Tensor luma = clip.select(-1, 0).to(at::kFloat) / 255;
  const at::Tensor flow = to_tensor(features::dense_flow(to_array(luma)));
  ASSERT_EQ(flow.sizes(), (at::IntArrayRef{2, 2, 48, 64}));
  // Away from the borders every pixel moves by (1, -1): per pixel the error is larger than for the
  // mean (a window sees only a few periods of the pattern), but a wrong pixel is off by ~1 px.
  const at::Tensor inner = flow.narrow(2, 6, 36).narrow(3, 6, 52);
  const at::Tensor error = at::cat({(inner.select(1, 0) - 1).abs().flatten(), (inner.select(1, 1) + 1).abs().flatten()});
  EXPECT_LT(error.mean().item<float>(), 0.06);
  EXPECT_LT(at::quantile(error, 0.99).item<float>(), 0.25);
}

TEST(FeaturesMotion, FrameDifferenceMatchesDirectComputation) {
  at::manual_seed(3);
  const at::Tensor clip = at::randint(0, 256, {5, 9, 13, 3}, at::kByte);
  const FeatureExtractor fx = motion_only({.spatial = {1, 3}, .temporal = {1, 2}});
  const at::Tensor diffs = test::group_of(fx, test::extract(fx, clip), "motion.frame_diff");
  const at::Tensor rgb = clip.to(at::kDouble) / 255;
  const at::Tensor y = rgb.select(-1, 0) * 0.299 + rgb.select(-1, 1) * 0.587 + rgb.select(-1, 2) * 0.114;
  const at::Tensor dy = y.narrow(0, 1, 4) - y.narrow(0, 0, 4);
  EXPECT_NEAR(diffs[0][0].item<float>(), dy.abs().mean().item<double>(), 1e-6);
  EXPECT_NEAR(diffs[0][1].item<float>(), dy.square().mean().item<double>(), 1e-6);
  // Cell 1 is spatial level 3, row 0, col 0 over all 4 differences: rows [0,3), cols [0,5).
  const at::Tensor corner = dy.narrow(1, 0, 3).narrow(2, 0, 5);
  EXPECT_NEAR(diffs[1][0].item<float>(), corner.abs().mean().item<double>(), 1e-6);
}

TEST(FeaturesMotion, NeedsTwoFrames) {
  EXPECT_THROW(test::extract(motion_only(), test::textured_clip(1, 16, 16, 0, 0)), InvalidArgument);
  EXPECT_NO_THROW(test::extract(motion_only(), test::textured_clip(2, 16, 16, 1, 0)));
}

}  // namespace
}  // namespace vidrep
