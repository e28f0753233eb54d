// Reconstruction quality of video clips: PSNR, SSIM and the resize baseline an autoencoder must
// beat (`vidrep ae eval`).
//
//   at::Tensor p = vidrep::psnr(decoded, original);          // float64 [B], dB
//   at::Tensor s = vidrep::ssim(decoded, original);          // float64 [B]
//   at::Tensor b = vidrep::resize_baseline(original, 768);   // same shape, through 768 values
//
// Clips are float [B,3,T,H,W] (a single clip [3,T,H,W] counts as B = 1) with values in [0,1].
// Pure functions, thread-safe.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

namespace vidrep {

// Per clip: 10 log10(1 / MSE) over all its values, capped at 100 dB (identical clips).
// Throws InvalidArgument naming the argument for shapes that differ or are not [B,3,T,H,W].
at::Tensor psnr(const at::Tensor& a, const at::Tensor& b);

// Per clip: the mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03,
// data range 1) over every frame and colour channel, on the positions where the window fits
// (the window shrinks to the frame for frames smaller than 11 px).
at::Tensor ssim(const at::Tensor& a, const at::Tensor& b);

// The (T', H', W') a clip of size (T, H, W) with 3 channels is reduced to so that it holds at most
// `values` numbers: every axis scaled by the same factor (values / 3THW)^(1/3) (an axis that would
// go below 1 stays 1 and the factor is solved over the others), each size rounded down or up, the
// combination with the most values within the budget.
std::array<int64_t, 3> baseline_size(std::array<int64_t, 3> size, int64_t values);

// What plain resizing keeps of a clip: trilinear downsampling to baseline_size, then trilinear
// upsampling back (align_corners false, no antialiasing), clamped to [0,1].
at::Tensor resize_baseline(const at::Tensor& clips, int64_t values);

}  // namespace vidrep
