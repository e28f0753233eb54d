#include "vidrep/features/optical_flow.h"

#include "vidrep/error.h"
#include "vidrep/describe.h"
#include "vidrep/features/edges.h"
#include "vidrep/features/filters.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace vidrep::features {

namespace {

// One pyramid level: refines `flow` [N,2,h,w] from prev to next (each [N,h,w]) in place.
void refine_level(const at::Tensor& prev, const at::Tensor& next, at::Tensor& flow, const std::vector<double>& window,
                  const FlowOptions& o) {
  const int64_t h = prev.size(-2), w = prev.size(-1);
  const auto [gx, gy] = sobel(prev);
  const at::Tensor gradient = at::stack({gx, gy}, 1);  // [N,2,h,w]
  const at::Tensor g = filter_separable(at::stack({gx * gx, gx * gy, gy * gy}, 1), window);
  const at::Tensor gxx = g.select(1, 0) + o.regularization, gxy = g.select(1, 1), gyy = g.select(1, 2) + o.regularization;
  // The update d = -(G + lambda I)^-1 b, with the negated inverse [a c; c e] formed once per level.
  const at::Tensor inv_det = (gxx * gyy - gxy * gxy).reciprocal_();
  const at::Tensor a = -gyy * inv_det, c = gxy * inv_det, e = -gxx * inv_det;

  // grid_sample's normalized coordinates with align_corners: -1 and +1 are the first and last pixel.
  const double sx = w > 1 ? 2.0 / static_cast<double>(w - 1) : 0.0;
  const double sy = h > 1 ? 2.0 / static_cast<double>(h - 1) : 0.0;
  const at::Tensor base = at::stack({(at::arange(w, prev.options()) * sx - 1).view({1, w}).expand({h, w}),
                                     (at::arange(h, prev.options()) * sy - 1).view({h, 1}).expand({h, w})},
                                    -1);  // [h,w,2]
  const at::Tensor scale = at::tensor({sx, sy}, at::kDouble).to(prev.scalar_type());
  const at::Tensor next4 = next.unsqueeze(1);
  at::Tensor u = flow.select(1, 0), v = flow.select(1, 1);
  for (int it = 0; it < o.iterations; ++it) {
    const at::Tensor grid = (flow.permute({0, 2, 3, 1}) * scale).add_(base);  // [N,h,w,2]
    const at::Tensor warped = at::grid_sampler_2d(next4, grid, /*bilinear*/ 0, /*border*/ 1, true).squeeze(1);
    // Pixels whose match lies outside the next frame (content that left the view) add no residual.
    const at::Tensor reach = grid.abs();
    const at::Tensor inside = reach.select(-1, 0).le(1).logical_and_(reach.select(-1, 1).le(1));
    const at::Tensor residual = (warped - prev).mul_(inside);
    const at::Tensor b = filter_separable(gradient * residual.unsqueeze(1), window);
    const at::Tensor bx = b.select(1, 0), by = b.select(1, 1);
    u.addcmul_(a, bx).addcmul_(c, by);
    v.addcmul_(c, bx).addcmul_(e, by);
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

at::Tensor dense_flow(const at::Tensor& frames, const FlowOptions& o) {
  validate_flow_options(o);
  if (!frames.defined() || frames.dim() < 3 || !frames.is_floating_point() || frames.size(-3) < 2) {
    throw InvalidArgument(fmt::format("dense_flow: expected float frames [...,T,H,W] with T >= 2, got {}",
                                      vidrep::describe(frames)));
  }
  const int64_t t = frames.size(-3), h = frames.size(-2), w = frames.size(-1);
  std::vector<int64_t> out_shape(frames.sizes().begin(), frames.sizes().end() - 3);
  out_shape.insert(out_shape.end(), {t - 1, 2, h, w});

  std::vector<at::Tensor> pyramid{frames.to(at::kFloat).reshape({-1, t, h, w})};
  while (static_cast<int>(pyramid.size()) < o.levels &&
         std::min(pyramid.back().size(-2), pyramid.back().size(-1)) >= 2 * o.min_size) {
    pyramid.push_back(downsample2(pyramid.back()));
  }
  const int64_t pairs = pyramid[0].size(0) * (t - 1);
  const std::vector<double> window = gaussian_kernel(o.window_sigma);
  at::Tensor flow;
  for (auto level = pyramid.rbegin(); level != pyramid.rend(); ++level) {
    const int64_t lh = level->size(-2), lw = level->size(-1);
    if (!flow.defined()) {
      flow = at::zeros({pairs, 2, lh, lw}, level->options());
    } else {
      // Level sizes halve (rounding up), so coarse pixel i sits at fine 2i+0.5 and displacements double.
      flow = at::upsample_bilinear2d(flow, {lh, lw}, /*align_corners=*/false).mul_(2.0);
    }
    const at::Tensor prev = level->narrow(1, 0, t - 1).reshape({pairs, lh, lw});
    const at::Tensor next = level->narrow(1, 1, t - 1).reshape({pairs, lh, lw});
    refine_level(prev, next, flow, window, o);
  }
  return flow.view(out_shape);
}

}  // namespace vidrep::features
