// Frame-exact cutting: every clip holds exactly the frames asked for (checked against the ffmpeg
// CLI's frames and, for every frame, vidrep's exact reader), whole GOPs are the input's own packets,
// the audio stays in sync, and bad ranges fail before anything is written.
#include "vidrep/io/cut.h"

#include "vidrep/error.h"
#include "vidrep/io/cut_codec.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// 8 s at 25 fps, an IDR frame every 25 frames, B-frames, white-noise AAC audio.
std::string gop_video() {
  return test::make_video("cut_source.mp4",
                          "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i anoisesrc=sample_rate=16000:seed=7 "
                          "-t 8 -c:v libx264 -bf 2 -g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -c:a aac");
}

at::Tensor frames_of(const std::string& path, int64_t first, int64_t end) {
  VideoReader reader(path, {.threads = 1});
  return to_tensor(reader.read_range(first, end)).to(at::kFloat);
}

// For each clip frame: its mean absolute difference from the source frame it should be, and
// whether that frame is the closest of its neighbours (the right frame, not merely a similar one).
void expect_frames(const std::string& clip, const std::string& source, int64_t first, int64_t count, double tolerance) {
  VideoReader out(clip, {.threads = 1});
  ASSERT_EQ(out.num_frames(), count) << clip;
  const at::Tensor got = frames_of(clip, 0, count);
  const int64_t lo = std::max<int64_t>(first - 1, 0);
  const at::Tensor want = frames_of(source, lo, first + count + 1);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t at_src = first + i - lo;
    const double same = (got[i] - want[at_src]).abs().mean().item<double>();
    EXPECT_LT(same, tolerance) << clip << " frame " << i;
    for (int64_t other : {at_src - 1, at_src + 1}) {
      // (a still picture's neighbours are the same frame again: nothing to tell apart)
      if (other < 0 || other >= want.size(0) || (want[other] - want[at_src]).abs().mean().item<double>() < 0.5) continue;
      EXPECT_LT(same, (got[i] - want[other]).abs().mean().item<double>()) << clip << " frame " << i << " vs " << other;
    }
  }
}

double ffprobe_first_audio_time(const std::string& path) {
  std::string out;
  test::run("ffprobe -v error -select_streams a:0 -show_entries packet=pts_time -of csv=p=0 -read_intervals %+#1 '" +
                path + "'",
            &out);
  return std::stod(out);
}

TEST(Cut, SmartCutCopiesWholeGopsAndReencodesTheEdges) {
  const std::string dir = test::scratch_dir("cut_smart");
  const auto clips = io::cut_clips(gop_video(), io::parse_cut_ranges("37-111"), {dir + "/a.mp4"});
  ASSERT_EQ(clips.size(), 1u);
  const io::CutClip& c = clips[0];
  EXPECT_EQ(c.mode, "smart");
  EXPECT_EQ(c.copied_frames, 50);   // the GOPs at 50 and 75
  EXPECT_EQ(c.encoded_frames, 25);  // 37..49 and 100..111
  EXPECT_NEAR(c.start, 37 / 25.0, 1e-6);
  EXPECT_NEAR(c.end, 112 / 25.0, 1e-6);
  EXPECT_EQ(test::ffprobe_frame_count(dir + "/a.mp4"), 75);
  std::string log;
  EXPECT_EQ(test::run("ffmpeg -v error -i '" + dir + "/a.mp4' -f null -", &log), 0);
  EXPECT_EQ(log, "") << "the spliced stream decodes without errors";
  expect_frames(dir + "/a.mp4", gop_video(), 37, 75, 3.0);
  // The copied GOPs are the input's own frames; the ffmpeg CLI agrees at the seams.
  const at::Tensor copied = frames_of(dir + "/a.mp4", 13, 63), original = frames_of(gop_video(), 50, 100);
  EXPECT_TRUE(at::equal(copied, original));
  const std::vector<int64_t> seams = {0, 12, 13, 62, 63, 74};
  std::vector<int64_t> sources;
  for (int64_t i : seams) sources.push_back(37 + i);
  const std::vector<at::Tensor> ours = test::ffmpeg_frames(dir + "/a.mp4", seams, 120, 160),
                                theirs = test::ffmpeg_frames(gop_video(), sources, 120, 160);
  for (size_t k = 0; k < seams.size(); ++k) {
    const int64_t i = seams[k];
    EXPECT_LT(test::mean_abs_diff(ours[k], theirs[k]), i >= 13 && i <= 62 ? 1e-9 : 3.0) << "frame " << i;
  }
}

TEST(Cut, AudioStaysInSync) {
  const std::string dir = test::scratch_dir("cut_audio");
  const auto clips = io::cut_clips(gop_video(), io::parse_cut_ranges("37-111"), {dir + "/a.mp4"});
  EXPECT_GT(clips[0].audio_packets, 0);
  const at::Tensor source = test::ffmpeg_audio(gop_video(), 16000), clip = test::ffmpeg_audio(dir + "/a.mp4", 16000);
  const auto from = static_cast<int64_t>(std::llround(clips[0].start * 16000));
  const auto [lag, corr] = test::best_lag(source.slice(0, from), clip, 4096);
  EXPECT_GT(corr, 0.9);
  // The clip's audio starts where its timestamps say: the first whole audio frame in the clip.
  const double first_audio = ffprobe_first_audio_time(dir + "/a.mp4");
  EXPECT_GE(first_audio, 0.0);
  EXPECT_LT(first_audio, 0.07);  // one AAC frame at 16 kHz is 64 ms
  EXPECT_NEAR(lag / 16000.0, first_audio, 0.002);
  EXPECT_NEAR(static_cast<double>(clip.size(0)) / 16000 + first_audio, 75 / 25.0, 0.07);
}

TEST(Cut, WholeGopsAreCopiedAndReencodeIsExactToo) {
  const std::string dir = test::scratch_dir("cut_copy");
  const auto clips = io::cut_clips(gop_video(), io::parse_cut_ranges("50-99,1s-2.4s,1s-1.6s"),
                                   {dir + "/a.mp4", dir + "/b.mkv", dir + "/d.mp4"});
  EXPECT_EQ(clips[0].mode, "copy");
  EXPECT_EQ(clips[0].encoded_frames, 0);
  EXPECT_TRUE(at::equal(frames_of(dir + "/a.mp4", 0, 50), frames_of(gop_video(), 50, 100)));
  EXPECT_EQ(clips[1].first_frame, 25);  // seconds: the frames shown in [1, 2.4)
  EXPECT_EQ(clips[1].last_frame, 59);
  EXPECT_EQ(clips[1].mode, "smart");
  EXPECT_EQ(clips[1].copied_frames, 25);
  expect_frames(dir + "/b.mkv", gop_video(), 25, 35, 3.0);
  // Inside one GOP there is nothing whole to copy: re-encoded, and said so.
  EXPECT_EQ(clips[2].mode, "reencode");
  ASSERT_EQ(clips[2].notes.size(), 1u);
  EXPECT_EQ(clips[2].notes[0], "re-encoded: no whole GOP inside the clip");
  expect_frames(dir + "/d.mp4", gop_video(), 25, 15, 3.0);

  const auto all = io::cut_clips(gop_video(), io::parse_cut_ranges("37-111"), {dir + "/c.mp4"}, {.reencode = true});
  EXPECT_EQ(all[0].mode, "reencode");
  EXPECT_EQ(all[0].encoded_frames, 75);
  expect_frames(dir + "/c.mp4", gop_video(), 37, 75, 3.0);
}

TEST(Cut, ClipsFollowingEachOtherInsideGopsAreExact) {
  // Each clip starts where the last ended, inside GOPs (B-frames reordered): decoding continues
  // from clip to clip instead of going back to the key frame, and every frame is still the right one.
  const std::string dir = test::scratch_dir("cut_follow");
  const auto clips = io::cut_clips(gop_video(), io::parse_cut_ranges("3-9,10-19,20-24,25-37,38-49,51-60"),
                                   {dir + "/a.mp4", dir + "/b.mp4", dir + "/c.mp4", dir + "/d.mp4", dir + "/e.mp4", dir + "/f.mp4"});
  const int64_t first[] = {3, 10, 20, 25, 38, 51}, count[] = {7, 10, 5, 13, 12, 10};
  for (size_t i = 0; i < clips.size(); ++i) {
    EXPECT_EQ(clips[i].mode, "reencode") << i;
    expect_frames(clips[i].path, gop_video(), first[i], count[i], 3.0);
  }
  // The decoding itself: a range right after the last one costs only its own frames.
  io::Demuxer demuxer(gop_video());
  const int video = demuxer.select_stream(AVMEDIA_TYPE_VIDEO, -1);
  const io::FrameIndex index(demuxer, video);
  io::RangeDecoder decoder(demuxer, video, index, 1);
  std::vector<int64_t> seen;
  const auto take = [&](AVFrame*, int64_t i) { seen.push_back(i); };
  decoder.decode(3, 9, take);
  decoder.decode(10, 19, take);
  EXPECT_EQ(seen.size(), 17u);
  EXPECT_EQ(seen.front(), 3);
  EXPECT_EQ(seen.back(), 19);
  EXPECT_EQ(decoder.frames_decoded(), 20) << "frames 0-19 once (0-2 to reach 3), not again from the key frame";
  decoder.decode(5, 6, take);  // backwards: from the key frame again
  EXPECT_EQ(decoder.frames_decoded(), 27);
}

TEST(Cut, OtherCodecsAndOpenGopsStayExact) {
  const std::string dir = test::scratch_dir("cut_other");
  // MPEG-4 part 2 cannot be spliced: a partial clip is re-encoded, whole GOPs still copied.
  const std::string mpeg4 = test::make_video("cut_mpeg4.avi", "-f lavfi -i testsrc2=size=96x64:rate=20 -t 3 -c:v mpeg4 -g 10 -q:v 2");
  const auto clips = io::cut_clips(mpeg4, io::parse_cut_ranges("3-27,10-29"), {dir + "/a.mp4", dir + "/b.mp4"});
  EXPECT_EQ(clips[0].mode, "reencode");
  ASSERT_FALSE(clips[0].notes.empty());
  EXPECT_NE(clips[0].notes[0].find("only H.264"), std::string::npos) << clips[0].notes[0];
  expect_frames(dir + "/a.mp4", mpeg4, 3, 25, 3.0);
  EXPECT_EQ(clips[1].mode, "copy");
  EXPECT_TRUE(at::equal(frames_of(dir + "/b.mp4", 0, 20), frames_of(mpeg4, 10, 30)));
  // Open GOPs: leading B-frames reference the GOP before, so such key frames are no place to
  // start copying; the clip is still exact.
  const std::string open = test::make_video("cut_open_gop.mkv", "-f lavfi -i testsrc2=size=96x64:rate=25 -t 4 -c:v libx264 "
                                                                 "-bf 3 -g 20 -sc_threshold 0 -x264-params open-gop=1");
  const auto o = io::cut_clips(open, io::parse_cut_ranges("15-64"), {dir + "/c.mkv"});
  expect_frames(dir + "/c.mkv", open, 15, 50, 3.0);
  std::string log;
  EXPECT_EQ(test::run("ffmpeg -v error -i '" + dir + "/c.mkv' -f null -", &log), 0);
  EXPECT_EQ(log, "") << o[0].mode;
}

TEST(Cut, RangesAreParsedAndCheckedBeforeWriting) {
  const auto r = io::parse_cut_ranges(" 0-9, 1.5-3s,12-, 2s-4");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_FALSE(r[0].seconds);
  EXPECT_EQ(r[0].last, 9);
  EXPECT_TRUE(r[1].seconds);
  EXPECT_DOUBLE_EQ(r[1].start, 1.5);
  EXPECT_DOUBLE_EQ(r[1].end, 3);
  EXPECT_EQ(r[2].first, 12);
  EXPECT_EQ(r[2].last, -1);
  EXPECT_TRUE(r[3].seconds);
  EXPECT_DOUBLE_EQ(r[3].end, 4);
  for (const char* bad : {"9-3", "a-b", "-5", "7", "", "3s-1s", "1.5-2.5x"}) {
    EXPECT_THROW(io::parse_cut_ranges(bad), InvalidArgument) << bad;
  }
  const std::string dir = test::scratch_dir("cut_bad");
  const std::string msg = test::error_message<InvalidArgument>(
      [&] { io::cut_clips(gop_video(), io::parse_cut_ranges("0-9,190-210"), {dir + "/a.mp4", dir + "/b.mp4"}); });
  EXPECT_NE(msg.find("200 frames"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir + "/a.mp4")) << "a bad range fails before any clip is written";
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(CutCli, OneClipPerShotAsJsonLines) {
  // Three 2 s shots with key frames every 30 frames, so no cut falls on one.
  const std::string source = test::make_video(
      "cut_shots.mp4",
      "-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -f lavfi -i smptebars=size=160x120:rate=25:duration=2 "
      "-f lavfi -i 'mandelbrot=size=160x120:rate=25,trim=duration=2' -filter_complex '[0][1][2]concat=n=3:v=1' "
      "-c:v libx264 -g 30 -sc_threshold 0 -pix_fmt yuv420p");
  const std::string dir = test::scratch_dir("cut_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " cut " + source + " --shots --out-dir " + dir + "/clips --json", &out), 0) << out;
  std::istringstream lines(out);
  std::string line;
  int64_t n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["path"], fmt::format("{}/clips/cut_shots-{:03}.mp4", dir, n + 1));
    EXPECT_EQ(j["first_frame"], 50 * n);
    EXPECT_EQ(j["frames"], 50);
    EXPECT_EQ(j["mode"], "smart");
    EXPECT_EQ(test::ffprobe_frame_count(j["path"]), 50);
    ++n;
  }
  EXPECT_EQ(n, 3);
  expect_frames(dir + "/clips/cut_shots-002.mp4", source, 50, 50, 3.0);
  // Bad ranges and missing choices: exit status 2, one line, nothing written.
  EXPECT_EQ(test::run(test::cli() + " cut " + source + " --ranges 5-2 --out-dir " + dir + "/bad", &out), 2);
  EXPECT_NE(out.find("5-2"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/bad"));
  EXPECT_EQ(test::run(test::cli() + " cut " + source + " --out-dir " + dir + "/bad", &out), 2);
  EXPECT_NE(out.find("--shots or --ranges"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " cut " + source + " --ranges 0-9,140-160 --out-dir " + dir + "/bad", &out), 2);
  EXPECT_NE(out.find("150 frames"), std::string::npos) << out;
  EXPECT_TRUE(!fs::exists(dir + "/bad") || fs::is_empty(dir + "/bad"));
}

}  // namespace
}  // namespace vidrep
