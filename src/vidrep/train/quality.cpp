#include "vidrep/train/quality.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace vidrep {
namespace {

constexpr double kMaxPsnr = 100;

// [3,T,H,W] -> [1,3,T,H,W]; checks [B,3,T,H,W] floats of equal shapes.
std::pair<at::Tensor, at::Tensor> as_batches(const at::Tensor& a, const at::Tensor& b) {
  const auto batch = [](const at::Tensor& t, const char* name) {
    if (!t.defined() || (t.dim() != 4 && t.dim() != 5) || t.size(t.dim() - 4) != 3 || !t.is_floating_point())
      throw InvalidArgument(fmt::format("{}: expected float clips [B,3,T,H,W], got {}", name, describe(t)));
    return (t.dim() == 4 ? t.unsqueeze(0) : t).to(at::kDouble);
  };
  at::Tensor x = batch(a, "a"), y = batch(b, "b");
  if (x.sizes() != y.sizes())
    throw InvalidArgument(fmt::format("clips of different shapes: {} and {}", describe(a), describe(b)));
  return {x, y};
}

// The normalised 1D Gaussian; the 2D window is its outer product, applied as two 1D passes.
at::Tensor gaussian_window(int64_t size, double sigma) {
  at::Tensor x = at::arange(size, at::kDouble) - static_cast<double>(size - 1) / 2;
  at::Tensor g = (-x * x / (2 * sigma * sigma)).exp();
  return g / g.sum();
}

// Images per SSIM pass: about 4M pixels, so that the passes' buffers stay in the hundreds of MB
// whatever the frame size (one pass over a 17-frame 768x576 clip took 23 GB).
constexpr int64_t kSsimPixelsPerPass = int64_t{1} << 22;

}  // namespace

at::Tensor psnr(const at::Tensor& a, const at::Tensor& b) {
  const auto [x, y] = as_batches(a, b);
  const at::Tensor mse = (x - y).pow(2).flatten(1).mean(1);
  return (10 * (1 / mse).log10()).clamp_max(kMaxPsnr);
}

at::Tensor ssim(const at::Tensor& a, const at::Tensor& b) {
  const auto [x5, y5] = as_batches(a, b);
  const int64_t B = x5.size(0), T = x5.size(2), H = x5.size(3), W = x5.size(4);
  // Every frame and channel as its own 1-channel image.
  const at::Tensor x = x5.reshape({B * 3 * T, 1, H, W}), y = y5.reshape({B * 3 * T, 1, H, W});
  int64_t size = std::min<int64_t>({11, H, W});
  if (size % 2 == 0) --size;
  const at::Tensor g = gaussian_window(size, 1.5 * static_cast<double>(size) / 11);
  const at::Tensor gw = g.view({1, 1, 1, size}), gh = g.view({1, 1, size, 1});
  const auto blur = [&](const at::Tensor& t) { return at::conv2d(at::conv2d(t, gw), gh); };
  constexpr double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  // The mean SSIM of each image, a pass of images at a time; every image has as many map values,
  // so a clip's SSIM is the mean of its images' means.
  std::vector<at::Tensor> means;
  const int64_t per_pass = std::max<int64_t>(1, kSsimPixelsPerPass / (H * W));
  for (int64_t i = 0; i < x.size(0); i += per_pass) {
    const int64_t n = std::min(per_pass, x.size(0) - i);
    const at::Tensor xi = x.narrow(0, i, n), yi = y.narrow(0, i, n);
    const at::Tensor mx = blur(xi), my = blur(yi);
    const at::Tensor sxx = blur(xi * xi) - mx * mx, syy = blur(yi * yi) - my * my, sxy = blur(xi * yi) - mx * my;
    const at::Tensor map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    means.push_back(map.flatten(1).mean(1));
  }
  return at::cat(means).reshape({B, -1}).mean(1);
}

std::array<int64_t, 3> baseline_size(std::array<int64_t, 3> size, int64_t values) {
  // The common factor, solved again over the other axes whenever one would shrink below 1 (a
  // 1-frame clip keeps its frame and gives the whole budget to height and width).
  std::array<bool, 3> pinned{};
  double scale = 1;
  for (int round = 0; round < 3; ++round) {
    double free_size = 1;
    int free_axes = 0;
    for (int d = 0; d < 3; ++d)
      if (!pinned[d]) {
        free_size *= static_cast<double>(size[d]);
        ++free_axes;
      }
    if (free_axes == 0) break;
    scale = std::min(1.0, std::pow(static_cast<double>(values) / (3 * free_size), 1.0 / free_axes));
    bool changed = false;
    for (int d = 0; d < 3; ++d)
      if (!pinned[d] && static_cast<double>(size[d]) * scale < 1) pinned[d] = changed = true;
    if (!changed) break;
  }
  std::array<int64_t, 3> best{1, 1, 1};
  int64_t best_count = 0;
  for (int combo = 0; combo < 8; ++combo) {
    std::array<int64_t, 3> s{};
    for (int d = 0; d < 3; ++d) {
      const double exact = pinned[d] ? 1.0 : static_cast<double>(size[d]) * scale;
      s[d] = std::clamp<int64_t>(static_cast<int64_t>((combo >> d & 1) ? std::ceil(exact) : std::floor(exact)), 1,
                                 size[d]);
    }
    const int64_t count = 3 * s[0] * s[1] * s[2];
    if (count <= values && count > best_count) {
      best = s;
      best_count = count;
    }
  }
  return best;
}

at::Tensor resize_baseline(const at::Tensor& clips, int64_t values) {
  const auto [x, unused] = as_batches(clips, clips);
  const std::array<int64_t, 3> full{x.size(2), x.size(3), x.size(4)};
  const std::array<int64_t, 3> small = baseline_size(full, values);
  const at::Tensor f = x.to(at::kFloat);
  const at::Tensor down = at::upsample_trilinear3d(f, {small[0], small[1], small[2]}, false);
  at::Tensor back = at::upsample_trilinear3d(down, {full[0], full[1], full[2]}, false).clamp(0, 1);
  return clips.dim() == 4 ? back.squeeze(0) : back;
}

}  // namespace vidrep
