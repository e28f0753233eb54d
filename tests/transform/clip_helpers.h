// Seeded synthetic clips shared by the transform tests (never the global torch generator).
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>

namespace vidrep::test {

// uint8 [T,H,W,C] uniform over lo..hi.
inline at::Tensor random_clip(int64_t T, int64_t H, int64_t W, uint64_t seed, int64_t lo = 0, int64_t hi = 255,
                              int64_t C = 3) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randint(lo, hi + 1, {T, H, W, C}, gen, at::TensorOptions().dtype(at::kByte));
}

// float32 [N...] standard normal.
inline at::Tensor random_normal(at::IntArrayRef sizes, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::normal(0.0, 1.0, sizes, gen);
}

// float32 [T,H,W,C] whose value names its position: t*1e6 + h*1e3 + w (same in every channel), so a
// geometric result shows exactly where each pixel came from.
inline at::Tensor position_clip(int64_t T, int64_t H, int64_t W, int64_t C = 3) {
  const at::Tensor t = at::arange(T, at::kFloat).view({T, 1, 1, 1}) * 1e6;
  const at::Tensor h = at::arange(H, at::kFloat).view({1, H, 1, 1}) * 1e3;
  const at::Tensor w = at::arange(W, at::kFloat).view({1, 1, W, 1});
  return (t + h + w).expand({T, H, W, C}).contiguous();
}

}  // namespace vidrep::test
