// Edges: Sobel gradients and the binning of gradient (or flow) angles into orientation histograms.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vidrep::features {

// float [...,H,W] -> (gx, gy), each float [...,H,W]: the 3x3 Sobel kernels divided by 8, so a
// gradient is the intensity change per pixel (a ramp of slope a gives exactly a), with x to the
// right and y down. Borders replicate.
std::pair<at::Tensor, at::Tensor> sobel(const at::Tensor& image);

// Angle bins of vectors (x, y), each float [...]: int64 [...] in [0, bins).
//   full_circle = false: orientation modulo 180 degrees (edges: a dark-to-light and a
//                        light-to-dark step are the same edge); bin b is centred on b*180/bins
//   full_circle = true:  direction over 360 degrees (motion); bin b is centred on b*360/bins
// Bins are centred on their angles, so bin 0 holds horizontal gradients (vertical edges, e.g.
// vertical stripes) and, with 8 unsigned bins, bin 4 vertical ones. Angles are measured from +x
// towards +y, and y points down: with 8 direction bins, 0 is rightward motion, 2 downward,
// 4 leftward, 6 upward. A zero vector lands in bin 0; histograms weight it by its zero magnitude.
at::Tensor angle_bins(const at::Tensor& x, const at::Tensor& y, int64_t bins, bool full_circle);

// Bin centres as names: "0deg", "22.5deg", ...
std::vector<std::string> angle_bin_names(int64_t bins, bool full_circle);

}  // namespace vidrep::features
