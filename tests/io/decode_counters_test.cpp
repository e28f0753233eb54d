// The decode counters prove the reader's efficiency promises: no frame decoded twice within a
// request, no seek while the next target lies ahead in the GOP being decoded, skipped
// non-reference frames change nothing but the work done.
#include "vidrep/io/video_reader.h"

#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"

#include <gtest/gtest.h>

#include <random>

namespace vidrep {
namespace {

// h264_bframes: 100 frames at 25 fps, a key frame every 24 frames, 3 B-frames.
std::string fixture() { return test::codec_fixture("h264_bframes"); }

TEST(DecodeCounters, WholeVideoDecodesEachFrameOnceWithOneSeek) {
  VideoReader reader(fixture());
  const int64_t n = reader.num_frames();
  to_tensor(reader.read_range(0, n));
  const DecodeCounters c = reader.counters();
  EXPECT_EQ(c.frames_decoded, n);
  EXPECT_EQ(c.frames_converted, n);
  EXPECT_EQ(c.seeks, 1);
}

TEST(DecodeCounters, TargetsInOneGopShareOneSeek) {
  VideoReader reader(fixture());
  to_tensor(reader.read_frames({17, 2, 9}));
  EXPECT_EQ(reader.counters().seeks, 1);
  EXPECT_LE(reader.counters().frames_decoded, 24);
  // A later request further ahead in the same GOP continues without seeking.
  to_tensor(reader.read_frames({20}));
  EXPECT_EQ(reader.counters().seeks, 1);
  EXPECT_EQ(reader.counters().frames_converted, 4);
}

TEST(DecodeCounters, GoingBackSeeksAgain) {
  VideoReader reader(fixture());
  to_tensor(reader.read_frames({50}));
  to_tensor(reader.read_frames({10}));
  EXPECT_EQ(reader.counters().seeks, 2);
}

TEST(DecodeCounters, FarTargetsJumpOverGops) {
  VideoReader reader(fixture());
  to_tensor(reader.read_frames({1, 97}));
  const DecodeCounters c = reader.counters();
  EXPECT_EQ(c.seeks, 2);
  EXPECT_LT(c.frames_decoded, 40);  // two partial GOPs, not the 98 frames between
}

TEST(DecodeCounters, RepeatedIndicesDecodeOnce) {
  VideoReader reader(fixture());
  const at::Tensor x = to_tensor(reader.read_frames({5, 5, 5}));
  EXPECT_EQ(reader.counters().frames_converted, 1);
  EXPECT_TRUE(at::equal(x[0], x[2]));
}

TEST(DecodeCounters, NoFrameDecodedTwiceForManyRandomTargets) {
  VideoReader reader(fixture());
  const int64_t n = reader.num_frames();
  std::mt19937 rng(3);
  std::vector<int64_t> idx;
  for (int k = 0; k < 40; ++k) idx.push_back(std::uniform_int_distribution<int64_t>(0, n - 1)(rng));
  to_tensor(reader.read_frames(idx));
  EXPECT_LE(reader.counters().frames_decoded, n);
}

TEST(DecodeCounters, SkippingNonReferenceFramesIsExactAndCheaper) {
  const std::vector<int64_t> idx = {3, 22, 40, 71, 95};
  VideoReader skipping(fixture(), {.skip_nonref = true});
  VideoReader full(fixture(), {.skip_nonref = false});
  EXPECT_TRUE(at::equal(to_tensor(skipping.read_frames(idx)), to_tensor(full.read_frames(idx))));
  EXPECT_LT(skipping.counters().frames_decoded, full.counters().frames_decoded);
}

}  // namespace
}  // namespace vidrep
