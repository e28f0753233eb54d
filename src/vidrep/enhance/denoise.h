// Video denoising: spatio-temporal non-local means. Each pixel becomes the weighted mean of the
// pixels in a small search window of its own frame and of the frames around it, weighted by how
// alike the patches around them are (Buades et al.'s weight exp(-max(d² - 2σ², 0) / h²) on the
// mean squared 7x7-patch difference d²). Video repeats itself from frame to frame, so a 5x5 window in
// 5 frames finds about as many good matches as ffmpeg's nlmeans finds in a 15x15 window of one
// frame, at half the comparisons (bench/enhance/denoise.py measures both). From sigma 20 on, a
// 7x7 window in 3 frames.
//
//   enhance::Denoiser d({.sigma = 15});
//   d.push(picture, [&](enhance::Picture& out) { ... });   // out: the picture `frames` behind
//   d.finish(emit);
//
// Patch distances are box sums of squared differences, weights a vectorisable exponential, every
// inner loop a straight pass over a row, and row strips run on several threads.
#pragma once

#include "vidrep/enhance/plane.h"

#include <deque>
#include <functional>

namespace vidrep::enhance {

struct DenoiseOptions {
  double sigma = 15;   // noise standard deviation, 8-bit units (0: off)
  int search = -1;     // search window radius; -1: by the noise level (below)
  int patch = 3;       // patch radius (7x7)
  int frames = -1;     // frames before and after searched too; -1: by the noise level. Below sigma
                       // 20: 2 frames each side, radius 2 (5 x 5x5); from 20 on: 1 frame each side,
                       // radius 3 (3 x 7x7), more matches per frame at the same cost
  double h = 0.7;      // filtering strength, times sigma
  int threads = 0;     // 0: one per core
};

// Estimates the noise standard deviation of a plane (8-bit units) from the median absolute
// deviation of its finest-scale differences (Donoho's estimator on a Laplacian-like residual).
double estimate_noise(const Plane& plane);

// Denoises plane `center` of `frames` (all the same size, border >= search + patch) into `out`.
void denoise_plane(const std::vector<const Plane*>& frames, size_t center, Plane& out, const DenoiseOptions& options);

// Streaming: pictures in, denoised pictures out, `frames` pictures behind (bounded memory: the
// window of 2 x frames + 1 pictures).
class Denoiser {
 public:
  explicit Denoiser(const DenoiseOptions& options);
  int border() const { return options_.search + options_.patch; }
  void push(Picture picture, const std::function<void(Picture&)>& emit);
  void finish(const std::function<void(Picture&)>& emit);

 private:
  void emit_center(size_t center, const std::function<void(Picture&)>& emit);

  DenoiseOptions options_;
  std::deque<Picture> window_;
  size_t next_ = 0;  // index in window_ of the next picture to emit
};

}  // namespace vidrep::enhance
