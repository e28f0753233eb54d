// Helpers for the data tests: tiny videos whose frames say which video and which frame they are,
// and small dataset folders written at test time.
#pragma once

#include "vidrep/io/video_writer.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>

namespace vidrep::test {

inline constexpr double kFps = 8;
inline constexpr int kSize = 32;

// uint8 [frames,32,32,3]: frame t of video `id` is flat red 8t+4, green 40*id+20, blue 128, so a
// decoded (even lossy) frame tells its index and video apart.
inline at::Tensor coded_frames(int64_t frames, int id) {
  const at::Tensor t = at::arange(frames, at::kInt).view({frames, 1, 1, 1});
  at::Tensor x = at::empty({frames, kSize, kSize, 3}, at::kInt);
  x.select(3, 0).copy_((8 * t + 4).view({frames, 1, 1}).expand({frames, kSize, kSize}));
  x.select(3, 1).fill_(40 * id + 20);
  x.select(3, 2).fill_(128);
  return x.to(at::kByte);
}

// The frame index a decoded frame [H,W,3] (uint8, or a loader's [3,H,W] float rgb / 255) stands for.
inline int64_t frame_index_of_red(double mean_red) { return std::llround((mean_red - 4) / 8); }
inline int64_t frame_index_of_scaled(const at::Tensor& chw) {
  return frame_index_of_red(chw[0].mean().item<double>() * 255);
}

// float32 [1,S] at 16 kHz: silence, then a sine of `hz` (amplitude 0.5) from `tone_from` seconds.
inline at::Tensor tone_from(double tone_from, double seconds, double hz = 1000) {
  const int64_t n = std::llround(seconds * 16000);
  const at::Tensor t = at::arange(n, at::kDouble) / 16000.0;
  const at::Tensor tone = 0.5 * at::sin(2 * std::numbers::pi * hz * t);
  return at::where(t >= tone_from, tone, at::zeros_like(tone)).to(at::kFloat).view({1, n});
}

// Writes `path` (an .avi: MPEG-4 video + PCM audio, exact enough for flat frames and tones).
inline void write_coded_video(const std::string& path, int64_t frames, int id, const at::Tensor& audio = {}) {
  VideoWriter::write_video(path, to_array(coded_frames(frames, id)), kFps, to_array(audio), audio.defined() ? 16000 : 0);
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

}  // namespace vidrep::test
