#include "vidrep/data/synthetic.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace vidrep {

int moving_square_x(int64_t t, int64_t frames, int height, int width) {
  const int side = std::max(1, height / 4);
  return frames > 1 ? static_cast<int>(t * (width - side) / (frames - 1)) : 0;
}

at::Tensor moving_square_video(int64_t frames, int height, int width) {
  if (frames < 1 || height < 4 || width < 4) {
    throw InvalidArgument(fmt::format("synthetic video: need frames >= 1 and size >= 4x4, got {} frames of {}x{}",
                                      frames, width, height));
  }
  const at::Tensor t = at::arange(frames, at::kFloat).view({frames, 1, 1});
  const at::Tensor y = at::arange(height, at::kFloat).view({1, height, 1});
  const at::Tensor x = at::arange(width, at::kFloat).view({1, 1, width});
  const at::Tensor r = (x * (200.0 / width) + t * 3).remainder(200);
  const at::Tensor g = (y * (200.0 / height) + t * 2).remainder(200);
  const at::Tensor b = (x + y + t * 5).remainder(120) + 40;
  const std::vector<int64_t> shape = {frames, height, width};
  at::Tensor video = at::stack({r.expand(shape), g.expand(shape), b.expand(shape)}, -1).to(at::kByte).contiguous();
  const int side = std::max(1, height / 4);
  const int top = (height - side) / 2;
  for (int64_t i = 0; i < frames; ++i) {
    const int left = moving_square_x(i, frames, height, width);
    video[i].slice(0, top, top + side).slice(1, left, left + side).fill_(255);
  }
  return video;
}

at::Tensor sine_tone(double hz, double seconds, int rate) {
  if (hz <= 0 || seconds <= 0 || rate <= 0) {
    throw InvalidArgument(fmt::format("synthetic tone: bad parameters {} Hz, {} s, {} Hz rate", hz, seconds, rate));
  }
  const auto n = static_cast<int64_t>(std::llround(seconds * rate));
  const at::Tensor k = at::arange(n, at::kDouble);
  return (at::sin(k * (2 * std::numbers::pi * hz / rate)) * 0.5).to(at::kFloat).view({1, n});
}

}  // namespace vidrep
