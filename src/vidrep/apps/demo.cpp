#include "vidrep/apps/demo.h"

#include "vidrep/data/synthetic.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/io/video_writer.h"
#include "vidrep/sample/clip_sampler.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>

namespace vidrep {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kFrames = 100;
constexpr int kWidth = 320, kHeight = 240, kFps = 25, kRate = 16000;
constexpr double kToneHz = 440;

// Left edge of the white square on the frame's middle row, or -1.
int find_square(const at::Tensor& frame) {
  const at::Tensor row = frame[frame.size(0) / 2];
  const at::Tensor white = (row > 230).all(1);
  const at::Tensor hits = white.nonzero();
  return hits.size(0) > 0 ? static_cast<int>(hits[0][0].item<int64_t>()) : -1;
}

// Frequency of a clean tone from its zero crossings.
double tone_frequency(const at::Tensor& mono, int rate) {
  const at::Tensor s = mono.flatten();
  const at::Tensor crossings = (s.slice(0, 1) * s.slice(0, 0, -1) < 0).sum();
  return crossings.item<double>() / 2.0 / (static_cast<double>(s.size(0)) / rate);
}

}  // namespace

DemoResult run_demo(const DemoOptions& options, const std::function<void(const std::string&)>& log) {
  DemoResult result;
  fs::create_directories(options.out_dir);
  const fs::path dir(options.out_dir);
  result.video_path = (dir / "sample.mp4").string();

  const at::Tensor video = moving_square_video(kFrames, kHeight, kWidth);
  const at::Tensor tone = sine_tone(kToneHz, double(kFrames) / kFps, kRate);
  VideoWriter::write_video(result.video_path, video, kFps, tone, kRate);
  log(fmt::format("wrote {}: {} frames {}x{} at {} fps with {} s of a {} Hz tone (H.264 + AAC)",
                  result.video_path, kFrames, kWidth, kHeight, kFps, kFrames / kFps, kToneHz));

  const MediaInfo info = probe(result.video_path);
  for (const StreamInfo& s : info.streams) {
    if (s.type == "video") {
      log(fmt::format("probe: {} {} {}x{} {:.2f} fps, {} frames (packet scan)", info.format, s.codec,
                      s.width, s.height, s.fps, s.frames));
      result.frames = s.frames;
    } else if (s.type == "audio") {
      log(fmt::format("probe: audio {} {} Hz, {} channel(s)", s.codec, s.sample_rate, s.channels));
    }
  }

  VideoReader reader(result.video_path, {.threads = options.threads});
  const std::vector<int64_t> picks = {0, 37, 99};
  const at::Tensor frames = reader.read_frames(picks);
  for (size_t k = 0; k < picks.size(); ++k) {
    const int expected = moving_square_x(picks[k], kFrames, kHeight, kWidth);
    const int found = find_square(frames[static_cast<int64_t>(k)]);
    result.square_error_px = std::max(result.square_error_px, std::abs(double(found - expected)));
  }
  io::save_npy((dir / "frames.npy").string(), frames);
  log(fmt::format("frames 0, 37, 99 -> frames.npy {}; moving square found within {} px of where it was drawn",
                  fmt::join(frames.sizes(), "x"), result.square_error_px));

  VideoReader small(result.video_path, {.width = 112, .height = 112, .threads = options.threads});
  const auto clips = ClipSampler({.kind = SamplerKind::Uniform, .clips = 4, .length = 16, .stride = 2})
                         .sample(small.num_frames());
  const at::Tensor x = read_clips(small, clips);
  io::save_npy((dir / "clips.npy").string(), x);
  result.frames_decoded = small.counters().frames_decoded;
  result.seeks = small.counters().seeks;
  log(fmt::format("4 uniform clips of 16 frames (stride 2) at 112x112 -> clips.npy {}; {} frames decoded, {} seek(s)",
                  fmt::join(x.sizes(), "x"), result.frames_decoded, result.seeks));

  AudioReader audio(result.video_path, {.sample_rate = kRate, .mono = true, .start = 1.0, .end = 3.0});
  const at::Tensor samples = audio.read();
  io::save_npy((dir / "audio.npy").string(), samples);
  result.tone_hz = tone_frequency(samples, kRate);
  log(fmt::format("audio 1.0-3.0 s at {} Hz mono -> audio.npy {}; tone measured at {:.1f} Hz",
                  kRate, fmt::join(samples.sizes(), "x"), result.tone_hz));

  result.ok = result.frames == kFrames && result.square_error_px <= 2 &&
              std::abs(result.tone_hz - kToneHz) < 5 && samples.size(1) == 2 * kRate;
  return result;
}

}  // namespace vidrep
