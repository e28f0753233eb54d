// FeatureExtractor as a whole: the layout tiles the descriptor, batches equal single clips, options
// are checked, and whole videos are cut into the documented windows.
#include "vidrep/error.h"
#include "vidrep/features/feature_extractor.h"
#include "vidrep/features/video_features.h"
#include "vidrep/tensor.h"

#include "features/feature_test_support.h"
#include "support/codec_fixtures.h"

#include <gtest/gtest.h>

namespace vidrep {
namespace {

using features::FeatureExtractor;
using features::FeatureKind;
using features::FeatureOptions;

TEST(FeaturesExtractor, LayoutTilesTheDescriptorInKindOrder) {
  // Kinds listed out of order still lay out in the documented order.
  const FeatureExtractor fx({.kinds = {FeatureKind::Motion, FeatureKind::Lbp, FeatureKind::ColorHist},
                             .stpp = {.spatial = {1, 2}, .temporal = {1, 3}}});
  const std::vector<std::string> names = {"color_hist", "lbp", "motion.frame_diff", "motion.flow",
                                          "motion.flow_direction"};
  ASSERT_EQ(fx.layout().size(), names.size());
  int64_t offset = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& g = fx.layout()[i];
    EXPECT_EQ(g.name, names[i]);
    EXPECT_EQ(g.offset, offset);
    EXPECT_EQ(g.cells, 4 * 5);
    EXPECT_EQ(g.length, g.cells * static_cast<int64_t>(g.channels.size()));
    offset += g.length;
  }
  EXPECT_EQ(fx.dim(), offset);
  EXPECT_EQ(fx.dim(), 20 * (128 + 59 + 2 + 4 + 8));
  EXPECT_EQ(FeatureExtractor({.kinds = {FeatureKind::Lbp}}).dim(), 59);
}

TEST(FeaturesExtractor, BatchEqualsSingleClips) {
  const FeatureExtractor fx({.stpp = {.spatial = {1, 2}, .temporal = {1, 2}}});
  const at::Tensor clips = at::stack({test::textured_clip(6, 24, 32, 1, 0), test::textured_clip(6, 24, 32, 0, -2),
                                      test::solid_clip(6, 24, 32, 10, 200, 30)});
  const at::Tensor batch = test::extract_batch(fx, clips);
  ASSERT_EQ(batch.sizes(), (at::IntArrayRef{3, fx.dim()}));
  for (int64_t k = 0; k < 3; ++k) EXPECT_TRUE(at::allclose(batch[k], test::extract(fx, clips[k]), 1e-5, 1e-6)) << k;
  EXPECT_FALSE(at::allclose(batch[0], batch[1]));
}

TEST(FeaturesExtractor, ThreadsGiveTheSameBytesAsOne) {
  // Clips of a batch are described on several threads: each row must not depend on how many.
  const at::Tensor clips = at::stack({test::textured_clip(5, 20, 28, 1, 0), test::textured_clip(5, 20, 28, -1, 2),
                                      test::solid_clip(5, 20, 28, 200, 30, 90), test::textured_clip(5, 20, 28, 0.5, 0),
                                      test::textured_clip(5, 20, 28, 0, 0)});
  const features::StppLevels stpp{.spatial = {1, 2}, .temporal = {1, 2}};
  const at::Tensor one = test::extract_batch(FeatureExtractor({.stpp = stpp, .threads = 1}), clips);
  for (int threads : {2, 3, 8}) {
    EXPECT_TRUE(at::equal(one, test::extract_batch(FeatureExtractor({.stpp = stpp, .threads = threads}), clips)))
        << threads << " threads";
  }
}

TEST(FeaturesExtractor, RejectsBadOptionsAndInput) {
  EXPECT_THROW(FeatureExtractor({.kinds = {}}), InvalidArgument);
  EXPECT_THROW(FeatureExtractor({.kinds = {FeatureKind::Lbp, FeatureKind::Lbp}}), InvalidArgument);
  EXPECT_THROW(FeatureExtractor({.stpp = {.spatial = {0}}}), InvalidArgument);
  EXPECT_THROW(FeatureExtractor({.hsv = {.hue = 0}}), InvalidArgument);
  EXPECT_THROW(FeatureExtractor({.edge_bins = 0}), InvalidArgument);
  EXPECT_THROW(FeatureExtractor({.flow = {.iterations = 0}}), InvalidArgument);
  EXPECT_THROW(FeatureExtractor({.threads = -1}), InvalidArgument);
  EXPECT_THROW(features::parse_feature_kinds("color_hist,colour"), InvalidArgument);
  EXPECT_EQ(features::parse_feature_kinds("lbp,edges").size(), 2u);
  EXPECT_EQ(features::parse_feature_kinds("all").size(), 5u);

  const FeatureExtractor fx(FeatureOptions{});
  EXPECT_THROW(test::extract(fx, at::zeros({4, 8, 8, 3}, at::kFloat)), InvalidArgument);  // not uint8
  EXPECT_THROW(test::extract(fx, at::zeros({4, 8, 8, 4}, at::kByte)), InvalidArgument);   // not RGB
  EXPECT_THROW(test::extract(fx, at::zeros({8, 8, 3}, at::kByte)), InvalidArgument);      // no time axis
  EXPECT_THROW(test::extract(fx, at::zeros({1, 8, 8, 3}, at::kByte)), InvalidArgument);   // motion needs 2 frames
  try {
    test::extract(fx, at::zeros({4, 8, 8, 4}, at::kByte));
    ADD_FAILURE() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected uint8 [T,H,W,3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("got [4,8,8,4] uint8"), std::string::npos) << e.what();
  }
}

TEST(FeaturesVideo, BatchesDecodeEachFrameOnceAndMatchTheExtractor) {
  const std::string path = test::codec_fixture("h264_bframes");  // 100 frames of 160x120
  VideoReader reader(path, {.short_side = 60});
  EXPECT_EQ(reader.height(), 60);  // the short side; the width follows the aspect
  EXPECT_EQ(reader.width(), 80);

  const FeatureExtractor fx({.kinds = {FeatureKind::ColorMoments, FeatureKind::Motion}});
  std::vector<int64_t> progress;
  const features::VideoFeatures f = features::extract_video_features(
      reader, fx, {.clip_length = 10, .stride = 10, .batch_clips = 3, .progress = [&](int64_t done, int64_t total) {
        EXPECT_EQ(total, 10);
        progress.push_back(done);
      }});
  const at::Tensor rows = to_tensor(f.features);
  ASSERT_EQ(rows.sizes(), (at::IntArrayRef{10, fx.dim()}));
  EXPECT_EQ(progress, (std::vector<int64_t>{3, 6, 9, 10}));
  // Consecutive batches continue the decode: every frame once, no seek back.
  EXPECT_LE(reader.counters().frames_decoded, 100);
  EXPECT_LE(reader.counters().seeks, 1);
  EXPECT_TRUE(at::allclose(rows[7], to_tensor(fx.extract(reader.read_range(70, 80))), 1e-5, 1e-6));
}

}  // namespace
}  // namespace vidrep
