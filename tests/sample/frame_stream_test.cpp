// FrameStream: a whole video front to back in batches equals the reader's frames; a chosen fps
// gives the frame on screen at each tick; a time range restricts it; decoding runs forward only
// (each frame decoded once, no seek after the first); memory stays bounded on a long video.
#include "vidrep/sample/frame_stream.h"
#include "vidrep/sample/save_frames.h"

#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace vidrep {
namespace {

TEST(SaveFrames, PartsWrittenWhileDecodingEqualOneRequest) {
  const std::string path = test::codec_fixture("h264_bframes");  // 100 frames, B-frames
  const std::string dir = test::scratch_dir("save_frames");
  VideoReader reader(path, {.width = 32, .height = 24});
  const at::Tensor expected = to_tensor(reader.read_range(0, 100));
  // Parts of 16 frames (the fewest; 1 byte asked for): 7 parts, the last of 4.
  save_frames(reader, [] {
    std::vector<int64_t> all(100);
    for (int64_t i = 0; i < 100; ++i) all[i] = i;
    return all;
  }(), dir + "/all.npy", 1);
  EXPECT_TRUE(at::equal(to_tensor(io::load_npy(dir + "/all.npy")), expected));
  // Any other order: one request, repeats kept.
  save_frames(reader, {50, 3, 50}, dir + "/some.npy", 1);
  const at::Tensor some = to_tensor(io::load_npy(dir + "/some.npy"));
  EXPECT_TRUE(at::equal(some[0], expected[50]) && at::equal(some[1], expected[3]) && at::equal(some[2], expected[50]));
  EXPECT_THROW(save_frames(reader, {1, 200}, dir + "/bad.npy"), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad.npy"));
}

TEST(FrameStream, WholeVideoInBatchesEqualsTheReader) {
  const std::string path = test::codec_fixture("h264_bframes");  // 100 frames, B-frames
  FrameStream stream(path, {.reader = {.width = 32, .height = 24, .threads = 1}, .batch = 7});
  EXPECT_EQ(stream.size(), 100);
  std::vector<at::Tensor> parts;
  std::vector<int64_t> indices;
  while (auto b = stream.next()) {
    EXPECT_LE(b->frames.size(0), 7);
    parts.push_back(to_tensor(b->frames));
    indices.insert(indices.end(), b->indices.begin(), b->indices.end());
  }
  ASSERT_EQ(indices.size(), 100u);
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(indices[static_cast<size_t>(i)], i);
  VideoReader reader(path, {.width = 32, .height = 24, .threads = 1});
  EXPECT_TRUE(at::equal(at::cat(parts), to_tensor(reader.read_range(0, 100))));
  const DecodeCounters c = stream.reader().counters();
  EXPECT_EQ(c.frames_converted, 100);
  EXPECT_LE(c.seeks, 1);  // forward only
}

TEST(FrameStream, FpsGivesTheFrameOnScreenAtEachTick) {
  const std::string path = test::codec_fixture("h264_bframes");  // 25 fps
  FrameStream slow(path, {.reader = {.width = 32, .height = 24}, .fps = 5, .batch = 4});
  std::vector<int64_t> got;
  while (auto b = slow.next()) got.insert(got.end(), b->indices.begin(), b->indices.end());
  ASSERT_EQ(got.size(), 20u);  // 4 s at 5 fps
  for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], static_cast<int64_t>(5 * k));
  // Above the file's rate frames repeat, across batch boundaries too, equal to the reader's.
  FrameStream fast(path, {.reader = {.width = 32, .height = 24}, .end = 1, .fps = 50, .batch = 3});
  std::vector<at::Tensor> parts;
  got.clear();
  while (auto b = fast.next()) {
    parts.push_back(to_tensor(b->frames));
    got.insert(got.end(), b->indices.begin(), b->indices.end());
  }
  ASSERT_EQ(got.size(), 50u);
  EXPECT_EQ(got[0], 0);
  EXPECT_EQ(got[1], 0);
  EXPECT_EQ(got[49], 24);
  VideoReader reader(path, {.width = 32, .height = 24});
  EXPECT_TRUE(at::equal(at::cat(parts), to_tensor(reader.read_frames(got))));
}

TEST(FrameStream, TimeRangeAndBadOptions) {
  const std::string path = test::codec_fixture("h264_bframes");
  VideoReader reader(path);
  FrameStream part(path, {.start = reader.frame_time(40), .end = reader.frame_time(60)});
  EXPECT_EQ(part.size(), 20);
  EXPECT_EQ(part.next()->indices.front(), 40);
  EXPECT_THROW(FrameStream(path, {.fps = -1}), InvalidArgument);
  EXPECT_THROW(FrameStream(path, {.batch = 0}), InvalidArgument);
  EXPECT_THROW(FrameStream(path, {.start = 1000}), InvalidArgument);
}

int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

TEST(FrameStream, LongVideoStreamsInBoundedMemory) {
  // 60 s at 25 fps, 320x240: 1500 frames, 346 MB of RGB in all.
  const std::string path = test::make_video(
      "stream_long.mp4", "-f lavfi -i testsrc2=size=320x240:rate=25 -t 60 -c:v libx264 -preset ultrafast -g 50 "
                         "-pix_fmt yuv420p");
  FrameStream stream(path, {.reader = {.threads = 2}, .batch = 16});
  const int64_t before = resident_bytes();
  int64_t peak = before, frames = 0;
  while (auto b = stream.next()) {
    frames += b->frames.size(0);
    peak = std::max(peak, resident_bytes());
  }
  EXPECT_EQ(frames, 1500);
  // AddressSanitizer keeps freed memory in quarantine (256 MB by default): resident size then says
  // nothing about what the stream holds. The release build checks it.
  if (!test::under_asan()) {
    EXPECT_LT(peak - before, int64_t{64} << 20) << "resident memory grew by " << ((peak - before) >> 20) << " MB";
  }
}

}  // namespace
}  // namespace vidrep
