#include "vidrep/sample/clip_sampler.h"

#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"

#include "support/codec_fixtures.h"

#include <gtest/gtest.h>

namespace vidrep {
namespace {

TEST(ClipSampler, UniformSpreadsClipsFromFirstToLastFrame) {
  const auto clips = ClipSampler({.kind = SamplerKind::Uniform, .clips = 3, .length = 4, .stride = 2}).sample(100);
  ASSERT_EQ(clips.size(), 3u);
  EXPECT_EQ(clips[0], (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(clips[2].back(), 99);  // last clip ends on the last frame
  EXPECT_EQ(clips[1].front(), 47);  // (100 - 7) / 2 rounded
}

TEST(ClipSampler, RandomIsDeterministicPerSeed) {
  ClipOptions o{.kind = SamplerKind::Random, .clips = 8, .length = 16, .seed = 11};
  const auto a = ClipSampler(o).sample(1000);
  const auto b = ClipSampler(o).sample(1000);
  EXPECT_EQ(a, b);
  o.seed = 12;
  EXPECT_NE(a, ClipSampler(o).sample(1000));
  for (const auto& clip : a) {
    EXPECT_GE(clip.front(), 0);
    EXPECT_LT(clip.back(), 1000);
    EXPECT_EQ(clip.back() - clip.front(), 15);
  }
}

TEST(ClipSampler, RegularTilesTheVideo) {
  const auto clips = ClipSampler({.kind = SamplerKind::Regular, .clips = 0, .length = 5}).sample(23);
  ASSERT_EQ(clips.size(), 4u);
  EXPECT_EQ(clips[3].front(), 15);
}

TEST(ClipSampler, ShortVideoPolicies) {
  ClipOptions o{.kind = SamplerKind::Uniform, .clips = 1, .length = 6};
  o.policy = OutOfRange::RepeatLast;
  EXPECT_EQ(ClipSampler(o).sample(4)[0], (std::vector<int64_t>{0, 1, 2, 3, 3, 3}));
  o.policy = OutOfRange::Wrap;
  EXPECT_EQ(ClipSampler(o).sample(4)[0], (std::vector<int64_t>{0, 1, 2, 3, 0, 1}));
  o.policy = OutOfRange::Error;
  EXPECT_THROW(ClipSampler(o).sample(4), InvalidArgument);
}

TEST(ClipSampler, BadOptions) {
  EXPECT_THROW(ClipSampler({.length = 0}), InvalidArgument);
  EXPECT_THROW(ClipSampler({.stride = 0}), InvalidArgument);
  EXPECT_THROW(parse_sampler_kind("dense-ish"), InvalidArgument);
  EXPECT_THROW(parse_out_of_range("clamp"), InvalidArgument);
}

TEST(ClipSampler, ReadClipsGathersFrames) {
  VideoReader reader(test::codec_fixture("h264_bframes"), {.width = 32, .height = 24});
  const auto clips = ClipSampler({.kind = SamplerKind::Random, .clips = 3, .length = 4, .seed = 5}).sample(reader.num_frames());
  const at::Tensor x = read_clips(reader, clips);
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{3, 4, 24, 32, 3}));
  VideoReader fresh(test::codec_fixture("h264_bframes"), {.width = 32, .height = 24});
  EXPECT_TRUE(at::equal(x[1][2], fresh.read_frames({clips[1][2]})[0]));
}

}  // namespace
}  // namespace vidrep
