// Synthetic media with known content, for the demo, tests and benchmarks: what the frames and the
// audio should contain is known exactly, so readers and models can be checked against it.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vidrep {

// uint8 [T,H,W,3]: a colour gradient drifting over time with a white square moving left to right
// (its left edge at x = t * (W - side) / (T - 1), side = H / 4, vertically centred).
at::Tensor moving_square_video(int64_t frames, int height, int width);

// The square's left edge in frame t of moving_square_video.
int moving_square_x(int64_t t, int64_t frames, int height, int width);

// float32 [1,S]: a sine of `hz` at `rate` samples/s, amplitude 0.5.
at::Tensor sine_tone(double hz, double seconds, int rate);

}  // namespace vidrep
