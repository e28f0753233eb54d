#include "vidrep/enhance/denoise.h"

#include "vidrep/error.h"
#include "vidrep/runtime.h"
#include "vidrep/thread_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace vidrep::enhance {
namespace {

constexpr int kStripRows = 32;
constexpr double kStrongNoise = 20;  // from this sigma on, a wider window in fewer frames
constexpr float kLargestExponent = 80;  // exp(-80) is 0 for a weight

// exp(-t) for t in [0, 80] to about 4 %, in a form compilers vectorise: the float whose bits are
// a linear function of the exponent (Schraudolph 1999). Weights need shape, not digits.
inline float fast_exp_neg(float t) {
  const auto bits = static_cast<int32_t>(-12102203.0f * std::min(t, kLargestExponent) + 1065353216.0f);
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

struct Scratch {
  std::vector<float> acc, wsum, wmax;
  std::vector<int32_t> rows, diff, column;
};

// One strip of output rows [y0, y1): for every offset (frame, dx, dy) in the search window, the
// patch distances of the whole strip (squared differences, box-summed across then down), their
// weights, and the weighted pixels. Every loop is a straight pass over a row, so it vectorises.
void denoise_strip(const std::vector<const Plane*>& frames, size_t center, Plane& out, const DenoiseOptions& o,
                   int y0, int y1) {
  thread_local Scratch s;
  const Plane& c = *frames[center];
  const int width = c.width(), p = o.patch, r = o.search, rows = y1 - y0, span = 2 * p + 1;
  const auto n = static_cast<size_t>(rows) * static_cast<size_t>(width);
  s.acc.assign(n, 0.0f);
  s.wsum.assign(n, 0.0f);
  s.wmax.assign(n, 0.0f);
  s.rows.resize(static_cast<size_t>(rows + 2 * p) * static_cast<size_t>(width));
  s.diff.resize(static_cast<size_t>(width + 2 * p));
  s.column.resize(static_cast<size_t>(width));
  // weight = exp(-max(mean squared difference - 2 sigma^2, 0) / h^2)
  const auto h = static_cast<float>(o.h * o.sigma);
  const float to_mean = 1.0f / static_cast<float>(span * span), floor = static_cast<float>(2 * o.sigma * o.sigma);
  const float inv_h2 = 1.0f / std::max(h * h, 1e-6f);
  for (size_t f = 0; f < frames.size(); ++f) {
    const Plane& b = *frames[f];
    for (int dy = -r; dy <= r; ++dy) {
      for (int dx = -r; dx <= r; ++dx) {
        if (f == center && dx == 0 && dy == 0) continue;
        // Squared differences summed across the patch, rows y0 - p .. y1 + p - 1.
        for (int yy = y0 - p; yy < y1 + p; ++yy) {
          const uint8_t* a = c.row(yy) - p;
          const uint8_t* q = b.row(yy + dy) + dx - p;
          int32_t* d = s.diff.data();
          for (int x = 0; x < width + 2 * p; ++x) {
            const int32_t t = a[x] - q[x];
            d[x] = t * t;
          }
          int32_t* across = s.rows.data() + static_cast<size_t>(yy - y0 + p) * static_cast<size_t>(width);
          std::copy_n(d, width, across);
          for (int k = 1; k < span; ++k) {
            const int32_t* dk = d + k;
            for (int x = 0; x < width; ++x) across[x] += dk[x];
          }
        }
        // ... then down the patch, a running sum row by row; weights and weighted pixels.
        int32_t* col = s.column.data();
        std::fill(col, col + width, 0);
        for (int k = 0; k < span; ++k) {
          const int32_t* h_row = s.rows.data() + static_cast<size_t>(k) * static_cast<size_t>(width);
          for (int x = 0; x < width; ++x) col[x] += h_row[x];
        }
        for (int yy = 0; yy < rows; ++yy) {
          if (yy > 0) {
            const int32_t* add = s.rows.data() + static_cast<size_t>(yy + 2 * p) * static_cast<size_t>(width);
            const int32_t* sub = s.rows.data() + static_cast<size_t>(yy - 1) * static_cast<size_t>(width);
            for (int x = 0; x < width; ++x) col[x] += add[x] - sub[x];
          }
          const uint8_t* q = b.row(y0 + yy + dy) + dx;
          const size_t base = static_cast<size_t>(yy) * static_cast<size_t>(width);
          float* acc = s.acc.data() + base;
          float* wsum = s.wsum.data() + base;
          float* wmax = s.wmax.data() + base;
          for (int x = 0; x < width; ++x) {
            const float excess = std::max(static_cast<float>(col[x]) * to_mean - floor, 0.0f);
            const float v = fast_exp_neg(excess * inv_h2);
            acc[x] += v * static_cast<float>(q[x]);
            wsum[x] += v;
            wmax[x] = std::max(wmax[x], v);
          }
        }
      }
    }
  }
  for (int yy = 0; yy < rows; ++yy) {
    const uint8_t* src = c.row(y0 + yy);
    uint8_t* dst = out.row(y0 + yy);
    const size_t base = static_cast<size_t>(yy) * static_cast<size_t>(width);
    for (int x = 0; x < width; ++x) {
      const float self = s.wmax[base + x] > 0 ? s.wmax[base + x] : 1.0f;  // the pixel itself weighs as its best match
      const float v = (s.acc[base + x] + self * src[x]) / (s.wsum[base + x] + self);
      dst[x] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
    }
  }
}

// The options with the search window chosen where the caller left it to the noise level.
DenoiseOptions resolved(DenoiseOptions o) {
  const bool strong = o.sigma >= kStrongNoise;
  if (o.search < 0) o.search = strong ? 3 : 2;
  if (o.frames < 0) o.frames = strong ? 1 : 2;
  return o;
}

}  // namespace

double estimate_noise(const Plane& plane) {
  // Immerkær (1996): the mean absolute response to a mask that cancels smooth image structure.
  const int w = plane.width(), h = plane.height();
  if (w < 3 || h < 3) return 0;
  double sum = 0;
  for (int y = 1; y < h - 1; ++y) {
    const uint8_t *a = plane.row(y - 1), *b = plane.row(y), *c = plane.row(y + 1);
    int64_t row = 0;
    for (int x = 1; x < w - 1; ++x) {
      const int v = a[x - 1] - 2 * a[x] + a[x + 1] - 2 * b[x - 1] + 4 * b[x] - 2 * b[x + 1] + c[x - 1] - 2 * c[x] + c[x + 1];
      row += v < 0 ? -v : v;
    }
    sum += static_cast<double>(row);
  }
  return std::sqrt(std::numbers::pi / 2) * sum / (6.0 * (w - 2) * (h - 2));
}

void denoise_plane(const std::vector<const Plane*>& frames, size_t center, Plane& out, const DenoiseOptions& options) {
  const DenoiseOptions o = resolved(options);
  const Plane& c = *frames.at(center);
  if (c.border() < o.search + o.patch) {
    throw InvalidArgument(fmt::format("denoise: planes need a border of {} pixels, got {}", o.search + o.patch, c.border()));
  }
  out.load(c.row(0), c.stride(), c.width(), c.height(), c.border());
  if (o.sigma <= 0) return;
  const int strips = (c.height() + kStripRows - 1) / kStripRows;
  parallel_for(strips, o.threads > 0 ? o.threads : hardware_threads(), [&](int64_t i) {
    const int y0 = static_cast<int>(i) * kStripRows;
    denoise_strip(frames, center, out, o, y0, std::min(y0 + kStripRows, c.height()));
  });
  out.extend_edges();
}

Denoiser::Denoiser(const DenoiseOptions& options) : options_(resolved(options)) {
  if (!(options.sigma >= 0 && options.sigma <= 100)) throw InvalidArgument(fmt::format("denoise: sigma {}: expected 0..100", options.sigma));
  if (options.search < -1 || options.search > 8 || options.patch < 0 || options.patch > 4 || options.frames < -1 ||
      options.frames > 3 || !(options.h > 0)) {
    throw InvalidArgument("denoise: search -1..8, patch 0..4, frames -1..3 (-1: by the noise level) and h > 0");
  }
}

void Denoiser::emit_center(size_t center, const std::function<void(Picture&)>& emit) {
  const auto f = static_cast<size_t>(options_.frames);
  const size_t lo = center >= f ? center - f : 0, hi = std::min(window_.size(), center + f + 1);
  Picture out;
  out.pts = window_[center].pts;
  out.planes.resize(window_[center].planes.size());
  for (size_t p = 0; p < out.planes.size(); ++p) {
    std::vector<const Plane*> planes;
    for (size_t k = lo; k < hi; ++k) {
      const Plane& candidate = window_[k].planes[p];
      // A picture of another size (a resolution change) is no neighbour.
      if (k == center || (candidate.width() == window_[center].planes[p].width() &&
                          candidate.height() == window_[center].planes[p].height())) {
        planes.push_back(&candidate);
      }
    }
    const auto self = static_cast<size_t>(std::find(planes.begin(), planes.end(), &window_[center].planes[p]) - planes.begin());
    denoise_plane(planes, self, out.planes[p], options_);
  }
  emit(out);
}

void Denoiser::push(Picture picture, const std::function<void(Picture&)>& emit) {
  window_.push_back(std::move(picture));
  const auto f = static_cast<size_t>(options_.frames);
  while (next_ + f < window_.size()) {
    emit_center(next_, emit);
    ++next_;
    if (next_ > f) {  // the oldest picture is no longer anyone's neighbour
      window_.pop_front();
      --next_;
    }
  }
}

void Denoiser::finish(const std::function<void(Picture&)>& emit) {
  while (next_ < window_.size()) emit_center(next_++, emit);
  window_.clear();
  next_ = 0;
}

}  // namespace vidrep::enhance
