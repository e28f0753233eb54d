// PSNR, SSIM and the resize baseline against values worked out by hand.
#include "vidrep/error.h"
#include "vidrep/train/quality.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace vidrep {
namespace {

TEST(Quality, PsnrOfKnownErrors) {
  const at::Tensor a = at::full({2, 3, 4, 8, 8}, 0.5);
  at::Tensor b = a.clone();
  b[0].add_(0.1);   // MSE 0.01 -> 20 dB
  b[1].add_(0.01);  // MSE 1e-4 -> 40 dB
  const at::Tensor p = psnr(b, a);
  EXPECT_NEAR(p[0].item<double>(), 20, 1e-4);
  EXPECT_NEAR(p[1].item<double>(), 40, 1e-3);
  EXPECT_DOUBLE_EQ(psnr(a, a)[0].item<double>(), 100);                 // capped
  EXPECT_EQ(psnr(a[0], b[0]).sizes(), at::IntArrayRef({1}));           // a single clip [3,T,H,W]
  EXPECT_THROW(psnr(a, a.narrow(2, 0, 3)), InvalidArgument);
  EXPECT_THROW(psnr(at::zeros({2, 4, 4, 8, 8}), at::zeros({2, 4, 4, 8, 8})), InvalidArgument);
}

TEST(Quality, SsimOfKnownClips) {
  const at::Tensor x = at::rand({1, 3, 2, 16, 16}, at::TensorOptions().dtype(at::kFloat));
  EXPECT_NEAR(ssim(x, x)[0].item<double>(), 1, 1e-9);
  // Flat frames: only the luminance term is left, (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1).
  const at::Tensor a = at::full({1, 3, 1, 16, 16}, 0.4), b = at::full({1, 3, 1, 16, 16}, 0.6);
  const double c1 = 1e-4, expected = (2 * 0.4 * 0.6 + c1) / (0.16 + 0.36 + c1);
  EXPECT_NEAR(ssim(a, b)[0].item<double>(), expected, 1e-6);
  // More noise, lower SSIM; frames smaller than the window still work.
  const at::Tensor noisy1 = (x + 0.05 * at::randn_like(x)).clamp(0, 1), noisy2 = (x + 0.2 * at::randn_like(x)).clamp(0, 1);
  EXPECT_GT(ssim(noisy1, x)[0].item<double>(), ssim(noisy2, x)[0].item<double>());
  EXPECT_NEAR(ssim(x.narrow(3, 0, 6).narrow(4, 0, 6), x.narrow(3, 0, 6).narrow(4, 0, 6))[0].item<double>(), 1, 1e-9);
}

// The separable, pass-by-pass SSIM equals the textbook one (a full 11x11 Gaussian window, sigma
// 1.5, over each frame and channel) on clips large enough to take two passes, one crossing clips.
TEST(Quality, SsimMatchesTheFullWindowOnLargeFrames) {
  at::manual_seed(3);
  const at::Tensor x = at::rand({2, 3, 3, 512, 512}), y = (x + 0.1 * at::randn_like(x)).clamp(0, 1);
  at::Tensor g = (-(at::arange(11, at::kDouble) - 5).pow(2) / (2 * 1.5 * 1.5)).exp();
  g = g / g.sum();
  const at::Tensor w = g.outer(g);
  // Every image's 11x11 neighbourhoods weighted and summed directly, all 18 images at once (a
  // double conv2d per image took over a minute).
  const auto blur = [&](const at::Tensor& v) {  // [N, H, W] -> [N, H - 10, W - 10]
    const int64_t h = v.size(1) - 10, wd = v.size(2) - 10;
    at::Tensor out = at::zeros({v.size(0), h, wd}, at::kDouble);
    for (int64_t dy = 0; dy < 11; ++dy) {
      for (int64_t dx = 0; dx < 11; ++dx) out.add_(v.narrow(1, dy, h).narrow(2, dx, wd), w[dy][dx].item<double>());
    }
    return out;
  };
  const at::Tensor got = ssim(y, x);
  const at::Tensor xi = x.to(at::kDouble).reshape({18, 512, 512}), yi = y.to(at::kDouble).reshape({18, 512, 512});
  const at::Tensor mx = blur(yi), my = blur(xi);
  const at::Tensor sxx = blur(yi * yi) - mx * mx, syy = blur(xi * xi) - my * my, sxy = blur(xi * yi) - mx * my;
  const double c1 = 1e-4, c2 = 9e-4;
  const at::Tensor map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
  const at::Tensor per_clip = map.mean({1, 2}).view({2, 9}).mean(1);  // each clip: its 3 channels x 3 frames
  for (int64_t b = 0; b < 2; ++b) {
    EXPECT_NEAR(got[b].item<double>(), per_clip[b].item<double>(), 1e-9) << "clip " << b;
  }
}

TEST(Quality, BaselineKeepsAtMostTheLatentsValues) {
  // 9x32x32 clip, latent 16x3x4x4 = 768 values: 3 channels x 3x9x9 = 729 is the largest fit.
  EXPECT_EQ(baseline_size({9, 32, 32}, 768), (std::array<int64_t, 3>{3, 9, 9}));
  EXPECT_EQ(baseline_size({17, 32, 32}, 16 * 5 * 4 * 4), (std::array<int64_t, 3>{5, 9, 9}));
  EXPECT_EQ(baseline_size({1, 32, 32}, 256), (std::array<int64_t, 3>{1, 9, 9}));
  EXPECT_EQ(baseline_size({4, 8, 8}, 1 << 20), (std::array<int64_t, 3>{4, 8, 8}));  // never upsampled
  for (const auto& [size, values] : {std::pair{std::array<int64_t, 3>{13, 48, 64}, int64_t{1536}},
                                     std::pair{std::array<int64_t, 3>{5, 16, 16}, int64_t{100}}}) {
    const auto s = baseline_size(size, values);
    EXPECT_LE(3 * s[0] * s[1] * s[2], values);
  }
  // A constant clip survives resizing exactly; a detailed one does not.
  const at::Tensor flat = at::full({1, 3, 9, 32, 32}, 0.25);
  EXPECT_TRUE(resize_baseline(flat, 768).allclose(flat, 0, 1e-6));
  const at::Tensor detail = at::rand({1, 3, 9, 32, 32});
  EXPECT_LT(psnr(resize_baseline(detail, 768), detail)[0].item<double>(), 20);
  EXPECT_EQ(resize_baseline(detail[0], 768).sizes(), detail[0].sizes());
}

}  // namespace
}  // namespace vidrep
