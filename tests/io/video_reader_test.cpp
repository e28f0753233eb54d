// Every codec of the matrix: frame counts equal ffprobe's, and random frames equal the ffmpeg
// CLI's frame at the same index (and not its neighbours').
#include "vidrep/io/video_reader.h"

#include "vidrep/error.h"
#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace vidrep {
namespace {

using test::codec_fixture;
using test::ffmpeg_frame;
using test::mean_abs_diff;

class CodecMatrix : public ::testing::TestWithParam<std::string> {};

TEST_P(CodecMatrix, FrameCountMatchesFfprobe) {
  const std::string path = codec_fixture(GetParam());
  VideoReader reader(path);
  EXPECT_EQ(reader.num_frames(), test::ffprobe_frame_count(path));
}

TEST_P(CodecMatrix, RandomFramesMatchFfmpeg) {
  const std::string path = codec_fixture(GetParam());
  VideoReader reader(path, {.threads = 2});
  const int64_t n = reader.num_frames();
  ASSERT_GT(n, 10);
  std::mt19937 rng(42);
  std::vector<int64_t> indices = {n - 1, 0};
  for (int k = 0; k < 4; ++k) indices.push_back(std::uniform_int_distribution<int64_t>(1, n - 2)(rng));
  const at::Tensor frames = to_tensor(reader.read_frames(indices));
  ASSERT_EQ(frames.size(0), static_cast<int64_t>(indices.size()));
  // The ffmpeg CLI's frames at the indices and at their neighbours, from one decode.
  std::vector<int64_t> compared;
  for (int64_t i : indices) {
    for (int64_t j : {i - 1, i, i + 1}) {
      if (j >= 0 && j < n) compared.push_back(j);
    }
  }
  const std::vector<at::Tensor> theirs = test::ffmpeg_frames(path, compared, reader.height(), reader.width());
  const auto ffmpeg_at = [&](int64_t j) {
    return theirs[static_cast<size_t>(std::find(compared.begin(), compared.end(), j) - compared.begin())];
  };
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t i = indices[k];
    const at::Tensor ours = frames[static_cast<int64_t>(k)];
    const double own = mean_abs_diff(ours, ffmpeg_at(i));
    EXPECT_LE(own, 1.5) << GetParam() << " frame " << i;
    for (int64_t j : {i - 1, i + 1}) {
      if (j < 0 || j >= n) continue;
      EXPECT_LT(own, mean_abs_diff(ours, ffmpeg_at(j)))
          << GetParam() << " frame " << i << " is closer to ffmpeg's frame " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecMatrix, ::testing::ValuesIn(test::codec_fixture_names()),
                         [](const auto& info) { return info.param; });

TEST(VideoReader, RotationGivesDisplayOrientation) {
  VideoReader upright(codec_fixture("rotate90"));
  // The tag rotate=90 stores a matrix that the ffmpeg CLI undoes with transpose=cclock.
  EXPECT_EQ(upright.rotation(), 270);
  EXPECT_EQ(upright.width(), 96);
  EXPECT_EQ(upright.height(), 160);
  VideoReader stored(codec_fixture("rotate90"), {.autorotate = false});
  EXPECT_EQ(stored.width(), 160);
  EXPECT_EQ(stored.height(), 96);
  // Turning the stored frame counter-clockwise gives the displayed one.
  const at::Tensor a = to_tensor(upright.read_frames({7}))[0];
  const at::Tensor b = to_tensor(stored.read_frames({7}))[0];
  EXPECT_TRUE(at::equal(a, at::rot90(b, 1, {0, 1}).contiguous()));
}

TEST(VideoReader, ResizeMatchesFfmpegScale) {
  const std::string path = codec_fixture("h264_bframes");
  VideoReader reader(path, {.width = 64, .height = 48});
  const at::Tensor frames = to_tensor(reader.read_frames({5, 60}));
  ASSERT_EQ(frames.sizes(), (at::IntArrayRef{2, 48, 64, 3}));
  EXPECT_LE(mean_abs_diff(frames[0], ffmpeg_frame(path, 5, 48, 64, "scale=64:48:flags=area")), 1.5);
  EXPECT_LE(mean_abs_diff(frames[1], ffmpeg_frame(path, 60, 48, 64, "scale=64:48:flags=area")), 1.5);
}

TEST(VideoReader, OneSideOfSizeKeepsAspect) {
  VideoReader reader(codec_fixture("h264_bframes"), {.width = 80});
  EXPECT_EQ(reader.width(), 80);
  EXPECT_EQ(reader.height(), 60);
  const std::string path = codec_fixture("h264_bframes");  // 160x120
  EXPECT_EQ(VideoReader(path, {.short_side = 60}).width(), 80);
  EXPECT_EQ(VideoReader(path, {.short_side = 60}).height(), 60);
  EXPECT_EQ(VideoReader(path, {.width = 32, .height = 32, .short_side = 60}).height(), 32);  // explicit size wins
  EXPECT_THROW(VideoReader(path, {.short_side = -1}), InvalidArgument);
}

TEST(VideoReader, TimesNameTheFrameOnScreen) {
  VideoReader reader(codec_fixture("vfr"));
  const int64_t n = reader.num_frames();
  for (int64_t i : {int64_t{0}, int64_t{4}, int64_t{5}, n - 1}) {
    const double t = reader.frame_time(i);
    EXPECT_EQ(reader.frame_at_time(t), i);
    if (i > 0) EXPECT_EQ(reader.frame_at_time(t - 0.001), i - 1);
  }
  // Variable gaps: frame 3 is the source's frame 4, 80 ms after frame 2.
  EXPECT_NEAR(reader.frame_time(2) - reader.frame_time(1), 0.040, 1e-6);
  EXPECT_NEAR(reader.frame_time(3) - reader.frame_time(2), 0.080, 1e-6);
  const at::Tensor by_time = to_tensor(reader.read_frames_at({reader.frame_time(4) + 0.01}));
  EXPECT_TRUE(at::equal(by_time[0], to_tensor(reader.read_frames({4}))[0]));
  EXPECT_THROW(reader.frame_at_time(reader.duration() + 0.5), InvalidArgument);
  EXPECT_THROW(reader.frame_at_time(-1), InvalidArgument);
}

TEST(VideoReader, StreamsWithoutTimestampsAreReadInDecodeOrder) {
  VideoReader reader(codec_fixture("mpeg4_bframes"));
  EXPECT_EQ(reader.num_frames(), 75);
  EXPECT_NEAR(reader.frame_time(50), 2.0, 1e-9);  // 25 fps, no timestamps to say otherwise
  const at::Tensor late_first = to_tensor(reader.read_frames({60}));
  const at::Tensor early = to_tensor(reader.read_frames({10}));  // going back decodes from the start again
  EXPECT_EQ(reader.counters().seeks, 2);
  VideoReader fresh(codec_fixture("mpeg4_bframes"));
  EXPECT_TRUE(at::equal(to_tensor(fresh.read_frames({10, 60})), at::cat({early, late_first})));
}

TEST(VideoReader, RequestOrderAndRepeatsAreKept) {
  VideoReader reader(codec_fixture("h264_bframes"));
  const at::Tensor a = to_tensor(reader.read_frames({30, 3, 30, 17}));
  VideoReader fresh(codec_fixture("h264_bframes"));
  EXPECT_TRUE(at::equal(a[0], to_tensor(fresh.read_frames({30}))[0]));
  EXPECT_TRUE(at::equal(a[1], to_tensor(fresh.read_frames({3}))[0]));
  EXPECT_TRUE(at::equal(a[0], a[2]));
  EXPECT_TRUE(at::equal(a[3], to_tensor(fresh.read_frames({17}))[0]));
}

}  // namespace
}  // namespace vidrep
