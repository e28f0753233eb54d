// Stream copy: packets pass through without decoding, so the copied frames are the input's own,
// exactly (a frame-exact cut's fast half); the range snaps to whole GOPs; audio passes through;
// a container that cannot hold the codec is refused before anything is written.
#include "vidrep/io/stream_copy.h"

#include "vidrep/error.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace vidrep {
namespace {

// 8 s at 25 fps, a key frame every 25 frames, B-frames, with AAC audio.
std::string gop_video() {
  return test::make_video("copy_source.mkv",
                          "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=frequency=440:sample_rate=16000 "
                          "-t 8 -c:v libx264 -bf 2 -g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -c:a aac");
}

TEST(StreamCopy, WholeFileIsRemuxedFrameExact) {
  const std::string dir = test::scratch_dir("stream_copy_whole");
  const io::CopyResult r = io::copy_streams(gop_video(), dir + "/all.mp4");
  VideoReader in(gop_video(), {.threads = 1}), out(dir + "/all.mp4", {.threads = 1});
  EXPECT_EQ(r.first_frame, 0);
  EXPECT_EQ(r.frames, in.num_frames());
  ASSERT_EQ(out.num_frames(), in.num_frames());
  EXPECT_TRUE(at::equal(to_tensor(out.read_range(0, out.num_frames(), 7)), to_tensor(in.read_range(0, in.num_frames(), 7))));
  EXPECT_GT(r.audio_packets, 0);
  EXPECT_EQ(probe(dir + "/all.mp4").streams.size(), 2u);
}

TEST(StreamCopy, RangeSnapsToWholeGopsAndKeepsAudio) {
  const std::string dir = test::scratch_dir("stream_copy_range");
  const io::CopyResult r = io::copy_streams(gop_video(), dir + "/part.mp4", {.start = 2.5, .end = 4.1});
  EXPECT_EQ(r.first_frame, 50);  // the key frame before 2.5 s (frame 62)
  EXPECT_EQ(r.frames, 75);       // to the key frame at 5 s: the first shown at or after 4.1 s
  VideoReader in(gop_video(), {.threads = 1}), out(dir + "/part.mp4", {.threads = 1});
  EXPECT_NEAR(r.start, in.frame_time(50), 1e-6);  // times as the reader gives them
  EXPECT_NEAR(r.end, in.frame_time(125), 1e-6);
  ASSERT_EQ(out.num_frames(), 75);
  EXPECT_NEAR(out.frame_time(0), 0.0, 0.05);
  EXPECT_TRUE(at::equal(to_tensor(out.read_range(0, 75)), to_tensor(in.read_range(50, 125))));
  AudioReader audio(dir + "/part.mp4", {.sample_rate = 16000, .mono = true});
  EXPECT_NEAR(static_cast<double>(to_tensor(audio.read()).size(1)) / 16000, 3.0, 0.1);
}

TEST(StreamCopy, RefusesWhatTheContainerCannotHold) {
  const std::string dir = test::scratch_dir("stream_copy_refused");
  const std::string mpeg4 = test::make_video("copy_mpeg4.avi", "-f lavfi -i testsrc2=size=64x48:rate=10 -t 1 -c:v mpeg4");
  EXPECT_THROW(io::copy_streams(mpeg4, dir + "/x.webm"), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.webm"));
  EXPECT_THROW(io::copy_streams(mpeg4, dir + "/y.mp4", {.start = 3, .end = 2}), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
