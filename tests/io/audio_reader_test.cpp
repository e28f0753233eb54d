#include "vidrep/error.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vidrep {
namespace {

// Chirps, not pure tones: a misplaced sample range cannot line up with the reference by a
// whole number of periods.
const std::string kStereoChirp =
    "aevalsrc='0.5*sin(2*PI*(200+300*t)*t)|0.3*sin(2*PI*(900-150*t)*t)':s=44100:d=3";

std::string stereo_aac_mp4() {
  return test::make_video("audio_stereo_aac.mp4", "-f lavfi -i \"" + kStereoChirp +
                                                      "\" -f lavfi -i testsrc2=size=64x48:rate=25:duration=3 "
                                                      "-c:v libx264 -preset ultrafast -c:a aac -shortest");
}
std::string opus_webm() {
  return test::make_video("audio_opus.webm",
                          "-f lavfi -i \"aevalsrc='0.5*sin(2*PI*(200+300*t)*t)':s=48000:d=3\" -c:a libopus");
}
std::string mp3_mkv() {
  return test::make_video("audio_mp3.mkv",
                          "-f lavfi -i \"aevalsrc='0.5*sin(2*PI*(200+300*t)*t)':s=22050:d=3\" -c:a libmp3lame");
}
// Audio that begins 0.5 s after the video.
std::string late_audio_mp4() {
  return test::make_video("audio_late.mp4",
                          "-f lavfi -i testsrc2=size=64x48:rate=25:duration=2 -itsoffset 0.5 -f lavfi -i "
                          "\"aevalsrc='0.5*sin(2*PI*(200+300*t)*t)':s=16000:d=1.5\" -c:v libx264 -preset ultrafast "
                          "-c:a aac");
}
std::string video_only_mp4() {
  return test::make_video("audio_none.mp4", "-f lavfi -i testsrc2=size=64x48:rate=25:duration=1 -c:v libx264 "
                                            "-preset ultrafast");
}

using test::best_lag;
using test::correlation;

TEST(AudioReader, AacMonoMatchesFfmpegDownmix) {
  const std::string path = stereo_aac_mp4();
  AudioReader reader(path, {.sample_rate = 16000, .mono = true});
  EXPECT_EQ(reader.native_rate(), 44100);
  EXPECT_EQ(reader.native_channels(), 2);
  EXPECT_EQ(reader.sample_rate(), 16000);
  EXPECT_EQ(reader.channels(), 1);
  EXPECT_NEAR(reader.duration(), 3.0, 0.05);
  const at::Tensor x = to_tensor(reader.read());
  const at::Tensor ref = test::ffmpeg_audio(path, 16000);
  ASSERT_EQ(x.dim(), 2);
  EXPECT_EQ(x.size(0), 1);
  EXPECT_EQ(x.scalar_type(), at::kFloat);
  EXPECT_NEAR(x.size(1), ref.size(0), 4);
  EXPECT_GT(correlation(x[0], ref), 0.98);
  EXPECT_LT((x[0].slice(0, 0, 16000 * 2) - ref.slice(0, 0, 16000 * 2)).abs().max().item<float>(), 0.02);
}

TEST(AudioReader, OpusWebmMatchesFfmpegOnTheContainerClock) {
  const std::string path = opus_webm();
  AudioReader reader(path, {.sample_rate = 16000, .mono = true});
  const at::Tensor x = to_tensor(reader.read())[0];
  const at::Tensor ref = test::ffmpeg_audio(path, 16000);
  // Time 0 is the container's start (-7 ms, before Opus' pre-skip), so the decoded samples sit
  // a few ms later than in ffmpeg's raw dump, which starts at the first decoded sample.
  const auto [lag, corr] = best_lag(x, ref, 400);
  EXPECT_GT(corr, 0.98);
  EXPECT_GE(lag, 0);
  EXPECT_LE(lag, 16 * 8);  // <= 8 ms
  EXPECT_NEAR(x.size(0), ref.size(0) + lag, 4);
}

TEST(AudioReader, Mp3MkvMatchesFfmpeg) {
  const std::string path = mp3_mkv();
  AudioReader reader(path, {.sample_rate = 16000, .mono = true});
  const at::Tensor x = to_tensor(reader.read())[0];
  const at::Tensor ref = test::ffmpeg_audio(path, 16000);
  EXPECT_GT(correlation(x, ref), 0.98);
  EXPECT_NEAR(x.size(0), ref.size(0), 4);
}

TEST(AudioReader, WindowMatchesSliceOfFullRead) {
  const std::string path = stereo_aac_mp4();
  const at::Tensor ref = test::ffmpeg_audio(path, 16000);
  for (const auto& [start, end] : {std::pair{0.25, 1.0}, std::pair{1.3, 2.15}, std::pair{2.5, 2.9}}) {
    AudioReader reader(path, {.sample_rate = 16000, .mono = true, .start = start, .end = end});
    const at::Tensor x = to_tensor(reader.read());
    const int64_t lo = std::llround(start * 16000);
    const int64_t n = std::llround((end - start) * 16000);
    ASSERT_EQ(x.size(1), n) << start << "-" << end;
    EXPECT_GT(correlation(x[0], ref.slice(0, lo, lo + n)), 0.995) << start << "-" << end;
    // Reading again (it seeks back) gives the same samples, up to float rounding in the decoder.
    EXPECT_TRUE(at::allclose(to_tensor(reader.read()), x, 0, 1e-4)) << start << "-" << end;
  }
}

TEST(AudioReader, LongFileSeeksNearStart) {
  const std::string path = test::make_video(
      "audio_long.m4a", "-f lavfi -i \"aevalsrc='0.5*sin(2*PI*(200+20*t)*t)':s=8000:d=30\" -c:a aac");
  AudioReader full(path);
  const at::Tensor all = to_tensor(full.read());
  const int64_t all_packets = full.counters().packets_read;
  ASSERT_GT(all_packets, 200);  // 30 s of 1024-sample frames at 8 kHz
  AudioReader window(path, {.start = 27, .end = 28});
  const at::Tensor x = to_tensor(window.read());
  ASSERT_EQ(x.size(1), 8000);
  EXPECT_EQ(window.counters().seeks, 1);
  EXPECT_LT(window.counters().packets_read, 20);
  EXPECT_GT(correlation(x[0], all[0].slice(0, 27 * 8000, 28 * 8000)), 0.995);
}

TEST(AudioReader, StereoNativeRead) {
  const std::string path = stereo_aac_mp4();
  AudioReader reader(path);
  EXPECT_EQ(reader.sample_rate(), 44100);
  EXPECT_EQ(reader.channels(), 2);
  const at::Tensor x = to_tensor(reader.read());
  ASSERT_EQ(x.dim(), 2);
  EXPECT_EQ(x.size(0), 2);
  EXPECT_NEAR(x.size(1), 3 * 44100, 1024);
  // The channels are different chirps at amplitudes 0.5 and 0.3.
  const double rms0 = x[0].pow(2).mean().sqrt().item<double>();
  const double rms1 = x[1].pow(2).mean().sqrt().item<double>();
  EXPECT_NEAR(rms0, 0.5 / std::sqrt(2.0), 0.03);
  EXPECT_NEAR(rms1, 0.3 / std::sqrt(2.0), 0.03);
  // An end past the stream gives what there is.
  AudioReader tail(path, {.start = 2.5, .end = 10});
  EXPECT_NEAR(to_tensor(tail.read()).size(1), 0.5 * 44100, 1024);
}

TEST(AudioReader, LateStreamIsPaddedWithSilence) {
  const std::string path = late_audio_mp4();
  std::string text;
  test::run("ffprobe -v error -select_streams a:0 -show_entries stream=start_time -of csv=p=0 '" + path + "'", &text);
  const double first = std::stod(text);  // 0.5 s, less the AAC priming this MP4's edit list keeps
  ASSERT_GT(first, 0.4);
  AudioReader reader(path, {.sample_rate = 16000, .mono = true, .start = 0, .end = 2});
  const at::Tensor x = to_tensor(reader.read())[0];
  ASSERT_EQ(x.size(0), 32000);
  const int64_t lead = std::llround(first * 16000);
  EXPECT_EQ(x.slice(0, 0, lead - 16).abs().max().item<float>(), 0.0f);
  const at::Tensor ref = test::ffmpeg_audio(path, 16000);  // starts at the first decoded sample
  EXPECT_GT(correlation(x.slice(0, lead), ref), 0.98);
}

TEST(AudioReader, ErrorsNameTheProblem) {
  try {
    AudioReader reader(video_only_mp4());
    FAIL() << "expected OpenError";
  } catch (const OpenError& e) {
    EXPECT_NE(std::string(e.what()).find("no audio stream"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("audio_none.mp4"), std::string::npos) << e.what();
  }
  const std::string path = stereo_aac_mp4();
  const auto message_of = [&](AudioOptions o) {
    return test::error_message<InvalidArgument>([&] { AudioReader reader(path, o); });
  };
  EXPECT_NE(message_of({.start = -1}).find("start"), std::string::npos);
  EXPECT_NE(message_of({.start = 2, .end = 1}).find("end"), std::string::npos);
  EXPECT_NE(message_of({.start = 1, .end = 1}).find("end"), std::string::npos);
  EXPECT_NE(message_of({.sample_rate = -8000}).find("sample_rate"), std::string::npos);
  EXPECT_NE(message_of({.start = 60}).find("past the end"), std::string::npos);
  EXPECT_THROW(AudioReader(path, {.stream = 0}), InvalidArgument);  // the video stream
  EXPECT_THROW(AudioReader("/nonexistent/file.mp4"), OpenError);
}

}  // namespace
}  // namespace vidrep
