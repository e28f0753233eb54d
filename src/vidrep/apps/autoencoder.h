// What a trained autoencoder run (`vidrep ae train`) is used for: measuring how well it
// reconstructs held-out clips against plain resizing, encoding a video or image into a latent
// [C,t,h,w] and decoding a latent back into frames.
//
//   vidrep::AeEvalResult r = vidrep::evaluate_autoencoder("runs/ae", {.split = "test"});
//   r.psnr; r.ssim; r.baseline_psnr;
//   at::Tensor z = vidrep::encode_file("runs/ae", "clip.mp4", {.frames = 17});   // [16,5,4,4]
//   at::Tensor frames = vidrep::decode_latent("runs/ae", z);                      // uint8 [17,32,32,3]
//
// Clips enter the network as rgb / 255 in [0,1]; decoded frames are clamped to [0,1] and rounded
// to uint8.
#pragma once

#include "vidrep/io/video_reader.h"

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct AeEvalOptions {
  std::string data;                 // dataset folder; empty: the run's (unless `videos` are given)
  std::string split = "test";
  std::vector<std::string> videos;  // evaluate clips of these files instead of a dataset
  int64_t clips = 4;                // videos: clips per file, spread evenly over it
  int64_t frames = 0;               // clip length; 0: the run's training clip (dataset), 17 (videos)
  int width = 0, height = 0;        // 0: the run's training size (dataset), the file's own size (videos)
  std::string checkpoint = "best";
  int threads = 0;                  // LibTorch threads; 0: one per core
  int workers = 2;
};

struct AeEvalResult {
  int64_t clips = 0;
  double psnr = 0, ssim = 0;                    // means over clips of the per-clip values
  double baseline_psnr = 0, baseline_ssim = 0;  // the same clips through resize_baseline (train/quality.h)
  std::array<int64_t, 3> clip{};                // T,H,W of the (first) clip
  std::array<int64_t, 3> latent{};              // t,h,w of its latent
  std::array<int64_t, 3> baseline{};            // T',H',W' the baseline keeps
  int64_t latent_values = 0;                    // numbers per clip in the latent (and at most in the baseline)
  int64_t pixel_values = 0;                     // numbers per clip in the video (3 T H W)
  std::vector<std::string> skipped;             // unreadable files
};

// ConfigError for a run that is not an autoencoder run, an empty split; the readers' errors for
// unreadable --video files (dataset files are skipped and reported instead).
AeEvalResult evaluate_autoencoder(const std::string& run_dir, const AeEvalOptions& options = {});

struct AeEncodeOptions {
  int64_t start = 0;                // first frame
  int64_t frames = 0;               // 0: the most frames up to 17 that the compression takes from `start`
  ReaderOptions reader;             // size (the frames must fit the compression), stream, threads
  std::string checkpoint = "best";
};

// float32 [C,t,h,w] latent of frames [start, start + frames) of a video, or of an image (png,
// jpg: a 1-frame video). InvalidArgument naming the file for a range outside the video, a frame
// count or size the compression does not take (with the counts that would fit).
at::Tensor encode_file(const std::string& run_dir, const std::string& path, const AeEncodeOptions& options = {});

// uint8 [T,H,W,3] frames of a latent [C,t,h,w] (or [1,C,t,h,w]). InvalidArgument for a latent of
// another rank or channel count: "latent: expected [16,t,h,w] float32, got [8,5,4,4] float32".
at::Tensor decode_latent(const std::string& run_dir, const at::Tensor& latent, const std::string& checkpoint = "best");

}  // namespace vidrep
