// Small image filters shared by the feature extractors, on float [...,H,W] tensors (any leading
// dimensions). They are written as sums of shifted slices: for one-channel images and kernels of
// a few taps this is several times faster on CPU than ATen's conv2d, which is tuned for many
// channels.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace vidrep::features {

// [...,H,W] -> [...,H+2r,W+2r], edge samples repeated.
at::Tensor pad_replicate(const at::Tensor& image, int64_t r);

// A normalized 1-D Gaussian of radius ceil(2 sigma) (at least 1).
std::vector<double> gaussian_kernel(double sigma);

// Separable correlation with a symmetric odd-length kernel along both image axes. Samples outside
// the image are left out and the kernel renormalized over the rest (normalized convolution), so a
// border pixel averages only real pixels and a constant image stays exactly constant.
at::Tensor filter_separable(const at::Tensor& image, const std::vector<double>& kernel);

// Half size (ceil) after the binomial [1,3,3,1]/8 low-pass: output pixel i sits at input 2i+0.5,
// the half-pixel convention of upsample_bilinear2d(align_corners=false), so a flow field computed
// on a coarse level upsamples without a shift.
at::Tensor downsample2(const at::Tensor& image);

}  // namespace vidrep::features
