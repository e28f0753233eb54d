// Small image filters shared by the feature extractors, on one float image (plane) of H x W
// values in row-major order. Loops over the pixels, each pass touching a row at a time: the
// kernels have a few taps and the images one channel, where this beats any general convolution.
#pragma once

#include <cstdint>
#include <vector>

namespace vidrep::features {

// A normalized 1-D Gaussian of radius ceil(2 sigma) (at least 1). Throws InvalidArgument unless
// sigma > 0.
std::vector<double> gaussian_kernel(double sigma);

// Separable correlation with a symmetric odd-length kernel along both image axes (rows first):
// `in` and `out` are h x w (they may not alias). Samples outside the image are left out and the
// kernel renormalized over the rest (normalized convolution), so a border pixel averages only
// real pixels and a constant image stays exactly constant.
void filter_separable(const float* in, float* out, int64_t h, int64_t w, const std::vector<double>& kernel);

// Half size (ceil) after the binomial [1,3,3,1]/8 low-pass, edges replicated: `out` is
// ((h+1)/2) x ((w+1)/2). Output pixel i sits at input 2i+0.5, the half-pixel convention of
// upsample_bilinear() (optical_flow.cpp), so a flow field computed on a coarse level upsamples
// without a shift.
void downsample2(const float* in, int64_t h, int64_t w, float* out);

}  // namespace vidrep::features
