#include "vidrep/sample/clip_sampler.h"

#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

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

TEST(ClipSampler, SlidingStartsEveryStepInsideTheVideo) {
  auto starts_ends = [](const std::vector<std::vector<int64_t>>& clips) {
    std::vector<std::pair<int64_t, int64_t>> r;
    for (const auto& c : clips) r.emplace_back(c.front(), c.back() + 1);
    return r;
  };
  using R = std::vector<std::pair<int64_t, int64_t>>;
  ClipOptions o{.kind = SamplerKind::Sliding, .clips = 0, .length = 4, .step = 3};
  EXPECT_EQ(starts_ends(ClipSampler(o).sample(10)), (R{{0, 4}, {3, 7}, {6, 10}}));
  o.step = 0;  // one clip span: the regular sampler
  EXPECT_EQ(starts_ends(ClipSampler(o).sample(10)), (R{{0, 4}, {4, 8}}));
  o.clips = 1;
  EXPECT_EQ(starts_ends(ClipSampler(o).sample(10)), (R{{0, 4}}));
  EXPECT_THROW(ClipSampler({.kind = SamplerKind::Sliding, .step = -1}), InvalidArgument);
}

TEST(ClipSampler, SpanOffsetsIntoTheVideo) {
  const auto clips = ClipSampler({.kind = SamplerKind::Uniform, .clips = 2, .length = 3}).sample(FrameSpan{50, 10});
  EXPECT_EQ(clips[0], (std::vector<int64_t>{50, 51, 52}));
  EXPECT_EQ(clips[1], (std::vector<int64_t>{57, 58, 59}));
  const auto short_clip = ClipSampler({.length = 5}).sample(FrameSpan{20, 2});
  EXPECT_EQ(short_clip[0], (std::vector<int64_t>{20, 21, 21, 21, 21}));  // repeats the span's last frame
}

TEST(ClipSampler, FramesInTimeFindsTheSpan) {
  VideoReader reader(test::codec_fixture("h264_bframes"), {.width = 32, .height = 24});  // 100 frames at 25 fps
  const FrameSpan all = frames_in_time(reader, 0, -1);
  EXPECT_EQ(all.first, 0);
  EXPECT_EQ(all.count, reader.num_frames());
  const FrameSpan s = frames_in_time(reader, reader.frame_time(10), reader.frame_time(20));
  EXPECT_EQ(s.first, 10);
  EXPECT_EQ(s.count, 10);
  EXPECT_THROW(frames_in_time(reader, reader.duration() + 5, -1), InvalidArgument);
}

TEST(ClipSampler, ShortVideoPolicies) {
  ClipOptions o{.kind = SamplerKind::Uniform, .clips = 1, .length = 6};
  o.policy = OutOfRange::RepeatLast;
  EXPECT_EQ(ClipSampler(o).sample(4)[0], (std::vector<int64_t>{0, 1, 2, 3, 3, 3}));
  o.policy = OutOfRange::Wrap;
  EXPECT_EQ(ClipSampler(o).sample(4)[0], (std::vector<int64_t>{0, 1, 2, 3, 0, 1}));
  o.policy = OutOfRange::Shorten;
  EXPECT_EQ(ClipSampler(o).sample(4)[0], (std::vector<int64_t>{0, 1, 2, 3}));
  o.stride = 2;
  EXPECT_EQ(ClipSampler(o).sample(4)[0], (std::vector<int64_t>{0, 2}));
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
  const at::Tensor x = to_tensor(read_clips(reader, clips));
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{3, 4, 24, 32, 3}));
  VideoReader fresh(test::codec_fixture("h264_bframes"), {.width = 32, .height = 24});
  EXPECT_TRUE(at::equal(x[1][2], to_tensor(fresh.read_frames({clips[1][2]}))[0]));
}

}  // namespace
}  // namespace vidrep
