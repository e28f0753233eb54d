#include "vidrep/transform/resample.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace vidrep::transform::detail {

namespace {

// For each output position: the first input sample and `taps` weights (zero-padded to `stride`).
struct Taps {
  std::vector<int64_t> first, count;
  std::vector<float> weights;
  int64_t stride = 0;
};

// The triangle filter widened by the shrink factor, as _compute_weights_aa in LibTorch's
// UpSampleKernel.cpp (and PIL): support = scale when shrinking, 1 when enlarging.
Taps compute_taps(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = scale >= 1.0 ? scale : 1.0;
  const double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
  Taps t;
  t.stride = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(out);
  t.count.resize(out);
  t.weights.assign(out * t.stride, 0.0f);
  std::vector<double> w(t.stride);
  for (int64_t i = 0; i < out; ++i) {
    const double center = scale * (static_cast<double>(i) + 0.5);
    const int64_t lo = std::max(static_cast<int64_t>(center - support + 0.5), int64_t{0});
    const int64_t n = std::min(static_cast<int64_t>(center + support + 0.5), in) - lo;
    double total = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      const double d = std::abs((static_cast<double>(j + lo) - center + 0.5) * invscale);
      w[j] = d < 1.0 ? 1.0 - d : 0.0;
      total += w[j];
    }
    t.first[i] = lo;
    t.count[i] = n;
    for (int64_t j = 0; j < n; ++j) t.weights[i * t.stride + j] = static_cast<float>(total > 0 ? w[j] / total : 0.0);
  }
  return t;
}

inline uint8_t to_byte(float v) {
  // Weights are non-negative and sum to 1, so v is within [0, 255] up to rounding error.
  return static_cast<uint8_t>(std::min(std::max(v + 0.5f, 0.0f), 255.0f));
}

// The two passes are built for AVX2+FMA too and picked at load time (GCC function multiversioning):
// the vertical pass is most of the work and runs twice as fast 8 floats wide.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VIDREP_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VIDREP_MULTIVERSION
#endif

// acc[i] = sum_k w[k] * in[k * stride + i] for i < n. Blocks of 32 outputs stay in registers
// across all taps, so each input byte is loaded once and acc is stored once.
VIDREP_MULTIVERSION
void vertical_pass(const uint8_t* in, int64_t stride, const float* w, int64_t taps, int64_t n, float* acc) {
  constexpr int64_t kBlock = 32;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    float a[kBlock] = {};
    for (int64_t k = 0; k < taps; ++k) {
      const uint8_t* p = in + k * stride + i;
      const float wk = w[k];
      for (int64_t j = 0; j < kBlock; ++j) a[j] += wk * static_cast<float>(p[j]);
    }
    for (int64_t j = 0; j < kBlock; ++j) acc[i + j] = a[j];
  }
  for (; i < n; ++i) {
    float a = 0;
    for (int64_t k = 0; k < taps; ++k) a += w[k] * static_cast<float>(in[k * stride + i]);
    acc[i] = a;
  }
}

// out[(x - x0) * C + c] = sum_k wx[x][k] * acc[(first[x] - col0 + k) * C + c] for x in [x0, x1),
// rounded; acc holds input columns from col0 on.
VIDREP_MULTIVERSION
void horizontal_pass(const float* acc, int64_t col0, const Taps& tx, int64_t x0, int64_t x1, int64_t C,
                     uint8_t* out) {
  for (int64_t ox = x0; ox < x1; ++ox, out += C) {
    const float* wx = tx.weights.data() + ox * tx.stride;
    const float* p = acc + (tx.first[ox] - col0) * C;
    const int64_t n = tx.count[ox];
    if (C == 3) {
      float a0 = 0, a1 = 0, a2 = 0;
      for (int64_t k = 0; k < n; ++k, p += 3) {
        a0 += wx[k] * p[0];
        a1 += wx[k] * p[1];
        a2 += wx[k] * p[2];
      }
      out[0] = to_byte(a0);
      out[1] = to_byte(a1);
      out[2] = to_byte(a2);
    } else {
      for (int64_t c = 0; c < C; ++c) {
        float a = 0;
        for (int64_t k = 0; k < n; ++k) a += wx[k] * p[k * C + c];
        out[c] = to_byte(a);
      }
    }
  }
}

}  // namespace

at::Tensor resize_aa_uint8(const at::Tensor& clip, int64_t out_width, int64_t out_height, int64_t top,
                           int64_t left, int64_t crop_width, int64_t crop_height) {
  // Rows must be contiguous; frames and rows may be strided, so a crop window is read in place.
  const int64_t C0 = clip.size(3);
  const at::Tensor x = clip.stride(3) == 1 && clip.stride(2) == C0 ? clip : clip.contiguous();
  const int64_t T = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  const int64_t frame_stride = x.stride(0), row_stride = x.stride(1);
  const Taps ty = compute_taps(H, out_height);
  const Taps tx = compute_taps(W, out_width);
  at::Tensor out = at::empty({T, crop_height, crop_width, C}, x.options());
  const uint8_t* src = x.data_ptr<uint8_t>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  const int64_t out_row = crop_width * C;
  // Only the input columns the window's output columns read take part in the vertical pass.
  const int64_t col0 = tx.first[left];
  int64_t col1 = col0;
  for (int64_t ox = left; ox < left + crop_width; ++ox) col1 = std::max(col1, tx.first[ox] + tx.count[ox]);
  const int64_t span = (col1 - col0) * C;

  // One output row at a time: its vertical pass (contiguous, vectorised) into a float row that
  // stays in cache for the horizontal pass.
  at::parallel_for(0, T * crop_height, 8, [&](int64_t begin, int64_t end) {
    std::vector<float> tmp(span);
    float* acc = tmp.data();
    for (int64_t r = begin; r < end; ++r) {
      const int64_t t = r / crop_height, oy = top + r % crop_height;
      const uint8_t* in = src + t * frame_stride + ty.first[oy] * row_stride + col0 * C;
      vertical_pass(in, row_stride, ty.weights.data() + oy * ty.stride, ty.count[oy], span, acc);
      horizontal_pass(acc, col0, tx, left, left + crop_width, C, dst + r * out_row);
    }
  });
  return out;
}

}  // namespace vidrep::transform::detail
