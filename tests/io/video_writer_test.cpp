#include "vidrep/error.h"
#include "vidrep/io/video_writer.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// A smooth gradient with a bright square moving 2 px per frame: uint8 [n,h,w,3].
at::Tensor moving_pattern(int64_t n, int64_t h, int64_t w) {
  const at::Tensor y = at::arange(h, at::kFloat).view({1, h, 1});
  const at::Tensor x = at::arange(w, at::kFloat).view({1, 1, w});
  const at::Tensor t = at::arange(n, at::kFloat).view({n, 1, 1});
  const at::Tensor r = (x * (200.0 / w) + t * 2).expand({n, h, w});
  const at::Tensor g = (y * (200.0 / h)).expand({n, h, w});
  const at::Tensor b = (128 + 60 * at::sin((x + y) / 8 + t / 4)).expand({n, h, w});
  at::Tensor rgb = at::stack({r, g, b}, -1).clamp(0, 255).to(at::kByte).contiguous();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x0 = (4 + 2 * i) % (w - 12), y0 = h / 4;
    rgb[i].slice(0, y0, y0 + 12).slice(1, x0, x0 + 12).fill_(235);
  }
  return rgb;
}

// 1 s of a 300 -> 700 Hz chirp (aperiodic, so alignment is unambiguous): float32 [1, rate].
at::Tensor chirp(int rate) {
  const at::Tensor t = at::arange(rate, at::kDouble) / rate;
  return (0.5 * at::sin(2 * M_PI * (300 + 200 * t) * t)).to(at::kFloat).unsqueeze(0);
}

using test::best_lag;
using test::correlation;

bool is_empty_dir(const std::string& dir) { return fs::is_empty(dir); }

struct RoundTrip {
  std::string ext;
  double max_mad;  // per-frame mean abs difference, 0..255 scale
};
void PrintTo(const RoundTrip& p, std::ostream* os) { *os << p.ext; }

class WriterRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(WriterRoundTrip, FramesAndAudioSurviveFfmpeg) {
  const RoundTrip& p = GetParam();
  const std::string dir = test::scratch_dir("writer_" + p.ext);
  const std::string path = dir + "/out." + p.ext;
  const at::Tensor frames = moving_pattern(24, 48, 64);
  const at::Tensor audio = chirp(16000);
  {
    VideoWriter writer(path, 64, 48, {.fps = 24, .audio_rate = 16000});
    writer.write_frames(to_array(frames.slice(0, 0, 10)));
    writer.write_audio(to_array(audio.slice(1, 0, 7000)));  // any chunking
    writer.write_frames(to_array(frames.slice(0, 10)));
    writer.write_audio(to_array(audio.slice(1, 7000)));
    EXPECT_EQ(writer.frames_written(), 24);
    EXPECT_EQ(writer.samples_written(), 16000);
    writer.close();
  }
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temp left

  EXPECT_EQ(test::ffprobe_frame_count(path), 24);
  double worst = 0;
  const std::vector<int64_t> checked = {0, 3, 6, 9, 12, 15, 18, 21};
  const std::vector<at::Tensor> theirs = test::ffmpeg_frames(path, checked, 48, 64);
  for (size_t k = 0; k < checked.size(); ++k) {
    worst = std::max(worst, test::mean_abs_diff(theirs[k], frames[checked[k]]));
  }
  RecordProperty("worst_mad", std::to_string(worst));
  EXPECT_LT(worst, p.max_mad) << p.ext;

  const at::Tensor decoded = test::ffmpeg_audio(path, 16000);
  EXPECT_NEAR(decoded.size(0), 16000, 1024);
  const auto [lag, corr] = best_lag(decoded, audio[0], 64);
  // Measured: lag 0 and correlation >= 0.9997 for all three.
  EXPECT_GT(corr, 0.99) << p.ext;
  EXPECT_LE(std::abs(lag), 1) << p.ext << ": encoder priming is not trimmed";
}

// Worst frame measured on this pattern at the default quality: mp4 4.1-4.3 (x264 varies a little
// run to run), webm 4.2-4.3, avi 2.8-3.0; about 2.0 of that is 4:2:0 chroma (lossless crf 0 gives 2.0).
INSTANTIATE_TEST_SUITE_P(Writer, WriterRoundTrip,
                         ::testing::Values(RoundTrip{"mp4", 5.0}, RoundTrip{"webm", 5.0}, RoundTrip{"avi", 3.5}),
                         [](const auto& info) { return info.param.ext; });

TEST(Writer, OddSizeMp4UsesYuv444) {
  const std::string dir = test::scratch_dir("writer_odd");
  const std::string path = dir + "/odd.mp4";
  const at::Tensor frames = moving_pattern(6, 47, 63);
  VideoWriter::write_video(path, to_array(frames), 30);
  EXPECT_EQ(test::ffprobe_frame_count(path), 6);
  std::string pix;
  test::run("ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 '" + path + "'", &pix);
  EXPECT_EQ(pix, "yuv444p\n");
  // x264 crf 23 in 4:4:4 measured 5.3 at worst on this tiny size (0.4 lossless).
  EXPECT_LT(test::mean_abs_diff(test::ffmpeg_frame(path, 5, 47, 63), frames[5]), 6.0);
  EXPECT_THROW(VideoWriter(dir + "/odd.avi", 63, 47), InvalidArgument);
}

TEST(Writer, OddSizeWebmAndStereoAudio) {
  const std::string dir = test::scratch_dir("writer_odd_webm");
  const at::Tensor frames = moving_pattern(4, 47, 63);
  const at::Tensor stereo = at::cat({chirp(22050), 0.5 * chirp(22050).flip(1)}, 0);  // [2, 22050]
  for (const std::string ext : {"webm", "mp4", "avi"}) {
    const std::string path = dir + "/s." + ext;
    const bool odd = ext == "webm";
    VideoWriter::write_video(path, to_array(odd ? frames : moving_pattern(4, 48, 64)), 8, to_array(stereo), 22050);
    std::string info;
    test::run("ffprobe -v error -select_streams a:0 -show_entries stream=channels -of csv=p=0 '" + path + "'", &info);
    EXPECT_EQ(info, "2\n") << ext;
    EXPECT_EQ(test::ffprobe_frame_count(path), 4) << ext;
    // ffmpeg's mono downmix of the two channels matches ours (sqrt(1/2) each, as `-ac 1` mixes).
    const at::Tensor mixed = (stereo[0] + stereo[1]) * std::sqrt(0.5);
    const at::Tensor decoded = test::ffmpeg_audio(path, 22050);
    EXPECT_GT(correlation(decoded, mixed), 0.99) << ext;
  }
  EXPECT_LT(test::mean_abs_diff(test::ffmpeg_frame(dir + "/s.webm", 3, 47, 63), frames[3]), 4.0);
}

TEST(Writer, FractionalFpsIsKept) {
  const std::string dir = test::scratch_dir("writer_fps");
  const std::string path = dir + "/ntsc.mp4";
  VideoWriter::write_video(path, to_array(moving_pattern(5, 48, 64)), 30000.0 / 1001);
  std::string rate;
  test::run("ffprobe -v error -select_streams v:0 -show_entries stream=avg_frame_rate -of csv=p=0 '" + path + "'",
            &rate);
  EXPECT_EQ(rate, "30000/1001\n");
}

TEST(Writer, BadInputsThrowInvalidArgument) {
  const std::string dir = test::scratch_dir("writer_bad");
  VideoWriter writer(dir + "/x.mp4", 64, 48, {.fps = 10});
  try {
    writer.write_frames(to_array(at::zeros({2, 48, 64, 3}, at::kFloat)));
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected [N,48,64,3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("got [2,48,64,3] float32"), std::string::npos) << e.what();
  }
  EXPECT_THROW(writer.write_frames(to_array(at::zeros({2, 48, 64, 4}, at::kByte))), InvalidArgument);
  EXPECT_THROW(writer.write_frames(to_array(at::zeros({2, 64, 48, 3}, at::kByte))), InvalidArgument);
  EXPECT_THROW(writer.write_frames(to_array(at::zeros({64 * 48 * 3}, at::kByte))), InvalidArgument);
  EXPECT_THROW(writer.write_audio(to_array(at::zeros({1, 100}))), InvalidArgument);  // no audio track
  VideoWriter with_audio(dir + "/y.mp4", 64, 48, {.audio_rate = 16000, .audio_channels = 2});
  EXPECT_THROW(with_audio.write_audio(to_array(at::zeros({1, 100}))), InvalidArgument);
  EXPECT_THROW(with_audio.write_audio(to_array(at::zeros({2, 100}, at::kDouble))), InvalidArgument);
  EXPECT_THROW(VideoWriter(dir + "/z.mkv", 64, 48), InvalidArgument);
  EXPECT_THROW(VideoWriter(dir + "/z.mp4", 0, 48), InvalidArgument);
  EXPECT_THROW(VideoWriter(dir + "/z.mp4", 64, 48, {.fps = 0}), InvalidArgument);
  EXPECT_THROW(VideoWriter(dir + "/z.mp4", 64, 48, {.codec = "no-such-codec"}), InvalidArgument);
  EXPECT_THROW(VideoWriter(dir + "/z.webm", 64, 48, {.codec = "libx264"}), InvalidArgument);
  // The writer still works after rejected input.
  writer.write_frames(to_array(moving_pattern(3, 48, 64)));
  writer.close();
  EXPECT_EQ(test::ffprobe_frame_count(dir + "/x.mp4"), 3);
  EXPECT_THROW(writer.write_frames(to_array(moving_pattern(1, 48, 64))), InvalidArgument);  // after close
}

TEST(Writer, UnwritableFolderThrowsWriteError) {
  const std::string dir = test::scratch_dir("writer_unwritable");
  test::run("touch '" + dir + "/file'");
  EXPECT_THROW(VideoWriter("/nonexistent-dir/out.mp4", 64, 48), WriteError);
  EXPECT_THROW(VideoWriter(dir + "/file/out.mp4", 64, 48), WriteError);
}

TEST(Writer, AbandonedWriteLeavesNoFile) {
  const std::string dir = test::scratch_dir("writer_abandon");
  for (const std::string ext : {"mp4", "webm", "avi"}) {
    VideoWriter writer(dir + "/out." + ext, 64, 48, {.audio_rate = 16000});
    writer.write_frames(to_array(moving_pattern(12, 48, 64)));
    writer.write_audio(to_array(chirp(16000)));
  }  // destroyed without close()
  {
    VideoWriter writer(dir + "/failed.mp4", 64, 48);
    writer.write_frames(to_array(moving_pattern(2, 48, 64)));
    EXPECT_THROW(writer.write_frames(to_array(at::zeros({1, 2, 2, 3}, at::kByte))), InvalidArgument);
  }
  EXPECT_TRUE(is_empty_dir(dir));
}

}  // namespace
}  // namespace vidrep
