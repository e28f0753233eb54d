// Files that the ffmpeg CLI reads cleanly but whose metadata misleads: a sample table that lists a
// packet the file does not hold, timestamps that repeat or go backwards, and key frames decoding
// cannot start from (open GOPs). vidrep reads them with
// the ffmpeg CLI's frame numbering (`select=eq(n\,I)`), and still refuses a file really cut short.
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"

#include "vidrep/error.h"
#include "vidrep/tensor.h"

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
  const at::Tensor frames = to_tensor(reader.read_frames(order));
  const std::vector<at::Tensor> theirs = test::ffmpeg_frames(path, order, reader.height(), reader.width());
  for (int64_t k = 0; k < n; ++k) {
    EXPECT_LE(test::mean_abs_diff(frames[k], theirs[static_cast<size_t>(k)]), 1.5) << path << " frame " << order[k];
  }
}

// A complete MP4 whose sample table lists one packet more than the file holds (as some old
// QuickTime writers left them): the last sample's bytes are removed and the media data box is
// shortened to match, so every box still ends within the file.
std::string over_counting_mp4() {
  const std::string src = test::make_video(
      "overcount_src.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -c:v libx264 -preset veryfast "
                           "-g 12 -pix_fmt yuv420p -movflags +faststart");
  std::string out;
  test::run(fmt::format("ffprobe -v error -select_streams v:0 -show_entries packet=pos -of csv=p=0 '{}'", src), &out);
  int64_t last_pos = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) last_pos = std::max<int64_t>(last_pos, std::stoll(line));
  }
  return test::edited_fixture("overcount.mp4", src, [&](std::string& bytes) {
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
  });
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

// x264's open GOPs: every key frame after the first is an I-frame but no IDR, so frames after it
// may reference pictures before it (cockatoo.mp4 of python3-imageio is such a file). Starting a
// decode there gives broken frames; a strict reader starts from an earlier key frame instead and
// every frame is exact, in any request order.
TEST(QuirkyFiles, OpenGopKeyFramesAreNotCleanStarts) {
  const std::string path = test::make_video(
      "open_gop.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 6 -c:v libx264 -bf 2 -g 25 "
                      "-x264-params open-gop=1:ref=4 -pix_fmt yuv420p");
  for (const std::vector<int64_t>& request : std::vector<std::vector<int64_t>>{{50}, {25, 50}, {149, 0, 75}, {28}}) {
    VideoReader reader(path, {.threads = 1});
    const at::Tensor frames = to_tensor(reader.read_frames(request));
    const std::vector<at::Tensor> theirs = test::ffmpeg_frames(path, request, reader.height(), reader.width());
    for (size_t k = 0; k < request.size(); ++k) {
      EXPECT_EQ(test::mean_abs_diff(frames[static_cast<int64_t>(k)], theirs[k]), 0) << "frame " << request[k];
    }
  }
  expect_ffmpeg_numbering(path);
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

// A Matroska file whose timestamps start again from 0 in its second cluster (as files joined
// without remuxing have them), written without cues: numbered as the ffmpeg CLI numbers them.
std::string restarting_mkv() {
  const std::string src = test::make_video(
      "restart_src.mkv", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -c:v libx264 -preset veryfast -bf 0 -g 1000 "
                         "-pix_fmt yuv420p -cluster_time_limit 400 -write_crc32 0");
  return test::edited_fixture("restart.mkv", src, [](std::string& b) {
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(b[i]); };
    // EBML variable-length integer at i: its length in bytes.
    const auto vint_length = [&](size_t i) {
      size_t n = 1;
      while (n < 8 && !(byte(i) & (0x80 >> (n - 1)))) ++n;
      return n;
    };
    const std::string cluster_id("\x1F\x43\xB6\x75", 4);
    const size_t second = b.find(cluster_id, b.find(cluster_id) + 4);
    if (second == std::string::npos) throw std::runtime_error("restart.mkv: no second cluster");
    size_t at = second + 4;
    at += vint_length(at);  // the cluster's size
    if (byte(at) != 0xE7) throw std::runtime_error("restart.mkv: the cluster does not start with its timecode");
    const size_t n = vint_length(at + 1);
    const size_t value_length = byte(at + 1) & (0xFF >> n);
    for (size_t k = 0; k < value_length; ++k) b[at + 1 + n + k] = 0;
  });
}

TEST(QuirkyFiles, TimestampsStartingAgainAreNumberedAsFfmpegDoes) {
  expect_ffmpeg_numbering(restarting_mkv());
}

// Reopening a demuxer puts it back at the file's first packet (how readers return to the start in
// files whose demuxer cannot seek there).
TEST(QuirkyFiles, ReopenedDemuxerStartsAgainAtTheFirstPacket) {
  io::Demuxer demuxer(restarting_mkv());
  io::UniqueAVPacket first = io::make_packet(), pkt = io::make_packet();
  ASSERT_TRUE(demuxer.read(first.get(), 0));
  while (demuxer.read(pkt.get(), 0)) {
  }
  demuxer.reopen();
  ASSERT_TRUE(demuxer.read(pkt.get(), 0));
  EXPECT_EQ(pkt->pos, first->pos);
  EXPECT_EQ(pkt->size, first->size);
  EXPECT_EQ(demuxer.seeks(), 1);
}

// An audio stream that opens with empty packets (as some Ogg/Vorbis files do): they hold no
// samples, decoders reject them, and the strict reader passes over them instead of failing.
TEST(QuirkyFiles, EmptyAudioPacketsArePassedOver) {
  const std::string path = test::scratch_dir("empty_audio_packets") + "/a.nut";
  constexpr int kRate = 8000, kPerPacket = 800, kPackets = 10;
  {
    AVFormatContext* raw = nullptr;
    ASSERT_GE(avformat_alloc_output_context2(&raw, nullptr, "nut", path.c_str()), 0);
    io::UniqueAVFormatOutput fmt(raw);
    AVStream* st = avformat_new_stream(raw, nullptr);
    st->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
    st->codecpar->codec_id = AV_CODEC_ID_PCM_S16LE;
    st->codecpar->sample_rate = kRate;
    av_channel_layout_default(&st->codecpar->ch_layout, 1);
    st->time_base = {1, kRate};
    ASSERT_GE(avio_open(&raw->pb, path.c_str(), AVIO_FLAG_WRITE), 0);
    ASSERT_GE(avformat_write_header(raw, nullptr), 0);
    io::UniqueAVPacket pkt = io::make_packet();
    for (int k = 0; k < 3; ++k) {  // empty packets first
      av_packet_unref(pkt.get());  // av_write_frame leaves the packet's buffer to its owner
      ASSERT_GE(av_new_packet(pkt.get(), 0), 0);
      pkt->pts = pkt->dts = 0;
      pkt->stream_index = 0;
      ASSERT_GE(av_write_frame(raw, pkt.get()), 0);
    }
    for (int k = 0; k < kPackets; ++k) {
      av_packet_unref(pkt.get());
      ASSERT_GE(av_new_packet(pkt.get(), kPerPacket * 2), 0);
      auto* samples = reinterpret_cast<int16_t*>(pkt->data);
      for (int i = 0; i < kPerPacket; ++i) samples[i] = static_cast<int16_t>((k * kPerPacket + i) * 4 - 16000);
      pkt->pts = pkt->dts = int64_t{k} * kPerPacket;
      pkt->duration = kPerPacket;
      pkt->stream_index = 0;
      ASSERT_GE(av_write_frame(raw, pkt.get()), 0);
    }
    ASSERT_GE(av_write_trailer(raw), 0);
  }
  const at::Tensor audio = to_tensor(AudioReader(path).read());
  ASSERT_EQ(audio.size(1), kPackets * kPerPacket);
  const at::Tensor expected = (at::arange(kPackets * kPerPacket, at::kFloat) * 4 - 16000) / 32768;
  EXPECT_TRUE(at::allclose(audio[0], expected, 0, 1e-6));
}

}  // namespace
}  // namespace vidrep
