// Evaluation of trained runs, one place for both tasks:
//   evaluate_run()          a classifier's metrics on a split of a dataset (by default the run's
//                           own data and its test split), one centred clip per video;
//   evaluate_autoencoder()  an autoencoder's reconstruction PSNR/SSIM on held-out clips, against
//                           plain resizing to the same number of values.
//
//   vidrep::EvalResult r = vidrep::evaluate_run("runs/motion", {.split = "test"});
//   std::cout << vidrep::format_report(r.report);
//   vidrep::AeEvalResult a = vidrep::evaluate_autoencoder("runs/ae", {.split = "test"});
//   a.psnr; a.ssim; a.baseline_psnr;
#pragma once

#include "vidrep/train/metrics.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct EvalOptions {
  std::string data;                 // empty: the run's dataset
  std::string split = "test";
  std::string checkpoint = "best";  // best | last
  int threads = 0;                  // LibTorch threads; 0: one per core
  int workers = 2;
};

struct EvalResult {
  ClassificationReport report;
  double loss = 0;
  std::vector<std::string> skipped;  // unreadable files
};

// ConfigError when the run or its checkpoint cannot be loaded, or the dataset's classes differ
// from the run's (names and order).
EvalResult evaluate_run(const std::string& run_dir, const EvalOptions& options = {});

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

}  // namespace vidrep
