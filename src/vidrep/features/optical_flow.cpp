#include "vidrep/features/optical_flow.h"

#include "vidrep/error.h"
#include "vidrep/features/edges.h"
#include "vidrep/features/filters.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace vidrep::features {

namespace {

using Plane = std::vector<float>;

// The bilinear sample of an h x w image at (x, y), coordinates already inside [0, w-1] x [0, h-1]
// (grid_sample's border padding); a neighbour past the last row or column weighs 0.
inline float bilinear(const float* image, int64_t h, int64_t w, float x, float y) {
  const float x0 = std::floor(x), y0 = std::floor(y);
  const float east = x - x0, west = 1 - east, south = y - y0, north = 1 - south;
  const auto ix = static_cast<int64_t>(x0), iy = static_cast<int64_t>(y0);
  const bool has_e = ix + 1 < w, has_s = iy + 1 < h;
  const float* row = image + iy * w;
  const float nw = row[ix], ne = has_e ? row[ix + 1] : 0.0f;
  const float sw = has_s ? row[w + ix] : 0.0f, se = has_s && has_e ? row[w + ix + 1] : 0.0f;
  return nw * (north * west) + ne * (north * east) + sw * (south * west) + se * (south * east);
}

// Source sample and weights of output i along an axis resized from n to m samples, half-pixel
// centres (upsample_bilinear2d with align_corners false).
struct Tap {
  int64_t i0, i1;
  float w0, w1;
};
std::vector<Tap> resize_taps(int64_t n, int64_t m) {
  std::vector<Tap> taps(static_cast<size_t>(m));
  const float scale = static_cast<float>(n) / static_cast<float>(m);
  for (int64_t i = 0; i < m; ++i) {
    if (n == m) {
      taps[i] = {i, i, 1.0f, 0.0f};
      continue;
    }
    const float src = std::max(scale * (static_cast<float>(i) + 0.5f) - 0.5f, 0.0f);
    const auto i0 = static_cast<int64_t>(src);
    const float w1 = std::clamp(src - static_cast<float>(i0), 0.0f, 1.0f);
    taps[i] = {i0, i0 + (i0 < n - 1 ? 1 : 0), 1.0f - w1, w1};
  }
  return taps;
}

// An h x w field resized to oh x ow (bilinear, half-pixel centres) and multiplied by `gain`.
void upsample(const float* in, int64_t h, int64_t w, float* out, int64_t oh, int64_t ow, float gain) {
  const std::vector<Tap> ty = resize_taps(h, oh), tx = resize_taps(w, ow);
  for (int64_t y = 0; y < oh; ++y) {
    const float* r0 = in + ty[y].i0 * w;
    const float* r1 = in + ty[y].i1 * w;
    for (int64_t x = 0; x < ow; ++x) {
      const Tap& t = tx[x];
      const float top = r0[t.i0] * t.w0 + r0[t.i1] * t.w1, bottom = r1[t.i0] * t.w0 + r1[t.i1] * t.w1;
      out[y * ow + x] = (top * ty[y].w0 + bottom * ty[y].w1) * gain;
    }
  }
}

// One pyramid level of one frame pair: refines the flow (u, v), each h x w, from prev to next.
void refine_level(const float* prev, const float* next, int64_t h, int64_t w, float* u, float* v,
                  const std::vector<double>& window, const FlowOptions& o) {
  const int64_t n = h * w;
  Plane gx(n), gy(n), work(n), gxx(n), gxy(n), gyy(n);
  sobel(prev, h, w, gx.data(), gy.data());
  auto filtered = [&](Plane& out, auto product) {
    for (int64_t i = 0; i < n; ++i) work[i] = product(i);
    filter_separable(work.data(), out.data(), h, w, window);
  };
  filtered(gxx, [&](int64_t i) { return gx[i] * gx[i]; });
  filtered(gxy, [&](int64_t i) { return gx[i] * gy[i]; });
  filtered(gyy, [&](int64_t i) { return gy[i] * gy[i]; });
  // The update d = -(G + lambda I)^-1 b, with the negated inverse [a c; c e] formed once per level.
  const auto lambda = static_cast<float>(o.regularization);
  Plane a(n), c(n), e(n);
  for (int64_t i = 0; i < n; ++i) {
    const float xx = gxx[i] + lambda, yy = gyy[i] + lambda;
    const float inv_det = 1.0f / (xx * yy - gxy[i] * gxy[i]);
    a[i] = -yy * inv_det;
    c[i] = gxy[i] * inv_det;
    e[i] = -xx * inv_det;
  }
  // grid_sample's normalized coordinates with align_corners: -1 and +1 are the first and last
  // pixel. The flow goes through them (and back) as there, so that both round alike.
  const auto sx = static_cast<float>(w > 1 ? 2.0 / static_cast<double>(w - 1) : 0.0);
  const auto sy = static_cast<float>(h > 1 ? 2.0 / static_cast<double>(h - 1) : 0.0);
  const float half_w = static_cast<float>(w - 1) / 2, half_h = static_cast<float>(h - 1) / 2;
  Plane base_x(w), base_y(h);
  for (int64_t x = 0; x < w; ++x) base_x[x] = static_cast<float>(x) * sx - 1;
  for (int64_t y = 0; y < h; ++y) base_y[y] = static_cast<float>(y) * sy - 1;
  Plane bx(n), by(n), residual_x(n), residual_y(n);
  for (int it = 0; it < o.iterations; ++it) {
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        const int64_t i = y * w + x;
        const float grid_x = u[i] * sx + base_x[x], grid_y = v[i] * sy + base_y[y];
        // Pixels whose match lies outside the next frame (content that left the view) add no residual.
        const bool inside = std::abs(grid_x) <= 1 && std::abs(grid_y) <= 1;
        const float px = std::min(std::max((grid_x + 1) * half_w, 0.0f), static_cast<float>(w - 1));
        const float py = std::min(std::max((grid_y + 1) * half_h, 0.0f), static_cast<float>(h - 1));
        const float residual = inside ? bilinear(next, h, w, px, py) - prev[i] : 0.0f;
        residual_x[i] = gx[i] * residual;
        residual_y[i] = gy[i] * residual;
      }
    }
    filter_separable(residual_x.data(), bx.data(), h, w, window);
    filter_separable(residual_y.data(), by.data(), h, w, window);
    for (int64_t i = 0; i < n; ++i) {
      u[i] = u[i] + a[i] * bx[i] + c[i] * by[i];
      v[i] = v[i] + c[i] * bx[i] + e[i] * by[i];
    }
  }
}

}  // namespace

void validate_flow_options(const FlowOptions& o) {
  if (o.levels < 1 || o.levels > 10) throw InvalidArgument(fmt::format("flow levels: expected 1..10, got {}", o.levels));
  if (o.min_size < 1) throw InvalidArgument(fmt::format("flow min_size: expected >= 1, got {}", o.min_size));
  if (o.iterations < 1 || o.iterations > 100) {
    throw InvalidArgument(fmt::format("flow iterations: expected 1..100, got {}", o.iterations));
  }
  if (!(o.window_sigma > 0 && o.window_sigma <= 16)) {
    throw InvalidArgument(fmt::format("flow window_sigma: expected (0, 16], got {}", o.window_sigma));
  }
  if (!(o.regularization > 0)) {
    throw InvalidArgument(fmt::format("flow regularization: expected > 0, got {}", o.regularization));
  }
}

Array dense_flow(const Array& frames, const FlowOptions& o) {
  validate_flow_options(o);
  if (!frames.defined() || frames.dim() < 3 || frames.dtype() != DType::Float32 || frames.size(-3) < 2 ||
      frames.size(-2) < 1 || frames.size(-1) < 1) {
    throw InvalidArgument(fmt::format("dense_flow: expected float32 frames [...,T,H,W] with T >= 2, got {}",
                                      describe(frames)));
  }
  const int64_t t = frames.size(-3), h = frames.size(-2), w = frames.size(-1);
  const int64_t clips = frames.numel() / (t * h * w);
  std::vector<int64_t> out_shape(frames.shape().begin(), frames.shape().end() - 3);
  out_shape.insert(out_shape.end(), {t - 1, 2, h, w});
  Array out(DType::Float32, out_shape);

  // Level sizes: each halves the one below (rounding up) while its short side stays >= 2 min_size.
  std::vector<std::pair<int64_t, int64_t>> sizes{{h, w}};
  while (static_cast<int>(sizes.size()) < o.levels && std::min(sizes.back().first, sizes.back().second) >= 2 * o.min_size) {
    sizes.emplace_back((sizes.back().first + 1) / 2, (sizes.back().second + 1) / 2);
  }
  const int64_t levels = static_cast<int64_t>(sizes.size());
  const std::vector<double> window = gaussian_kernel(o.window_sigma);
  for (int64_t k = 0; k < clips; ++k) {
    // pyramid[l]: the clip's t frames at level l (level 0 is the input itself).
    std::vector<Plane> pyramid(static_cast<size_t>(levels));
    auto frame = [&](int64_t l, int64_t f) {
      const int64_t size = sizes[l].first * sizes[l].second;
      return l == 0 ? frames.data<float>() + (k * t + f) * size : pyramid[l].data() + f * size;
    };
    for (int64_t l = 1; l < levels; ++l) {
      pyramid[l].resize(static_cast<size_t>(t * sizes[l].first * sizes[l].second));
      for (int64_t f = 0; f < t; ++f) {
        downsample2(frame(l - 1, f), sizes[l - 1].first, sizes[l - 1].second, pyramid[l].data() + f * sizes[l].first * sizes[l].second);
      }
    }
    Plane flow, finer;  // [t-1, 2, lh, lw] at the current level
    for (int64_t l = levels - 1; l >= 0; --l) {
      const auto [lh, lw] = sizes[l];
      const int64_t size = lh * lw;
      finer.assign(static_cast<size_t>((t - 1) * 2 * size), 0.0f);
      if (!flow.empty()) {
        // Level sizes halve (rounding up), so coarse pixel i sits at fine 2i+0.5 and displacements double.
        const auto [ch, cw] = sizes[l + 1];
        for (int64_t p = 0; p < 2 * (t - 1); ++p) upsample(flow.data() + p * ch * cw, ch, cw, finer.data() + p * size, lh, lw, 2.0f);
      }
      std::swap(flow, finer);
      for (int64_t p = 0; p < t - 1; ++p) {
        refine_level(frame(l, p), frame(l, p + 1), lh, lw, flow.data() + 2 * p * size, flow.data() + (2 * p + 1) * size,
                     window, o);
      }
    }
    std::copy(flow.begin(), flow.end(), out.data<float>() + k * (t - 1) * 2 * h * w);
  }
  return out;
}

}  // namespace vidrep::features
