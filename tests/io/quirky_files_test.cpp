// Files that the ffmpeg CLI reads cleanly but whose metadata misleads: a sample table that lists a
// packet the file does not hold, and timestamps that repeat or go backwards. vidrep reads them with
// the ffmpeg CLI's frame numbering (`select=eq(n\,I)`), and still refuses a file really cut short.
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// Every frame equals the ffmpeg CLI's frame of the same number, read in a scrambled order too.
void expect_ffmpeg_numbering(const std::string& path) {
  VideoReader reader(path, {.threads = 1});
  const int64_t n = reader.num_frames();
  ASSERT_EQ(n, test::ffprobe_frame_count(path));
  std::vector<int64_t> order;
  for (int64_t i = 0; i < n; ++i) order.push_back((i * 17 + 5) % n);
  const at::Tensor frames = reader.read_frames(order);
  for (int64_t k = 0; k < n; ++k) {
    const at::Tensor theirs = test::ffmpeg_frame(path, order[k], reader.height(), reader.width());
    EXPECT_LE(test::mean_abs_diff(frames[k], theirs), 1.5) << path << " frame " << order[k];
  }
}

// A complete MP4 whose sample table lists one packet more than the file holds (as some old
// QuickTime writers left them): the last sample's bytes are removed and the media data box is
// shortened to match, so every box still ends within the file.
std::string over_counting_mp4() {
  const std::string src = test::make_video(
      "overcount_src.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -c:v libx264 -preset veryfast "
                           "-g 12 -pix_fmt yuv420p -movflags +faststart");
  const std::string path = test::fixture_dir() + "/overcount.mp4";
  if (fs::exists(path)) return path;
  std::string out;
  test::run(fmt::format("ffprobe -v error -select_streams v:0 -show_entries packet=pos -of csv=p=0 '{}'", src), &out);
  int64_t last_pos = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) last_pos = std::max<int64_t>(last_pos, std::stoll(line));
  }
  std::ifstream in(src, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const int64_t cut = static_cast<int64_t>(bytes.size()) - last_pos;
  // Find the top-level mdat box (32-bit sizes in this small file) and shorten it.
  size_t at = 0;
  while (at + 8 <= bytes.size()) {
    const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + i])); };
    const uint32_t size = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    if (bytes.compare(at + 4, 4, "mdat") == 0) {
      const uint32_t shorter = size - static_cast<uint32_t>(cut);
      for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(shorter >> (24 - 8 * i));
      break;
    }
    at += size;
  }
  bytes.resize(static_cast<size_t>(last_pos));
  std::ofstream(path + ".tmp", std::ios::binary) << bytes;
  fs::rename(path + ".tmp", path);
  return path;
}

TEST(QuirkyFiles, SampleTableListingAMissingPacketIsReadWithAWarning) {
  const std::string path = over_counting_mp4();
  expect_ffmpeg_numbering(path);
  EXPECT_EQ(VideoReader(path).num_frames(), 49);
  const MediaInfo info = probe(path);
  ASSERT_EQ(info.warnings.size(), 1u);
  EXPECT_NE(info.warnings[0].find("lists 50 packets but the file holds 49"), std::string::npos) << info.warnings[0];
}

TEST(QuirkyFiles, FileCutShortIsStillRefused) {
  const std::string src = over_counting_mp4();
  const std::string dir = test::scratch_dir("cut_short");
  const std::string path = dir + "/cut.mp4";
  fs::copy_file(src, path);
  fs::resize_file(path, fs::file_size(path) - 3000);  // the media data box now runs past the end
  const std::string message = test::error_message<DecodeError>([&] { VideoReader r(path); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(QuirkyFiles, FirstTwoFramesSharingATimestampAreNumberedAsFfmpegDoes) {
  // Matroska as some muxers write it: frame 1 carries frame 0's timestamp.
  const std::string path = test::make_video(
      "dup_pts.mkv", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -c:v libx264 -preset veryfast -bf 0 -g 12 "
                     "-pix_fmt yuv420p -bsf:v 'setts=ts=if(eq(N\\,1)\\,PREV_OUTPTS\\,TS)'");
  expect_ffmpeg_numbering(path);
  const MediaInfo info = probe(path);
  ASSERT_EQ(info.warnings.size(), 1u);
  EXPECT_NE(info.warnings[0].find("decoding order"), std::string::npos) << info.warnings[0];
}

TEST(QuirkyFiles, TimestampsGoingBackwardsAreNumberedAsFfmpegDoes) {
  // MPEG-TS without B-frames whose frames 5 and 6 carry each other's timestamps: the decoder still
  // outputs them in stream order, which is how the ffmpeg CLI numbers them.
  const std::string path = test::make_video(
      "backwards_pts.ts", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -c:v libx264 -preset veryfast -bf 0 "
                          "-g 12 -pix_fmt yuv420p -bsf:v 'setts=pts=if(eq(N\\,5)\\,PTS+3600\\,if(eq(N\\,6)\\,"
                          "PTS-3600\\,PTS)):dts=DTS-3600'");
  expect_ffmpeg_numbering(path);
}

}  // namespace
}  // namespace vidrep
