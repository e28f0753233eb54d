// Edges: Sobel gradients and the binning of gradient (or flow) angles into orientation histograms.
#pragma once

#include "vidrep/array.h"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

namespace vidrep::features {

// One h x w float image -> its gradients gx, gy (each h x w): the 3x3 Sobel kernels divided by 8,
// so a gradient is the intensity change per pixel (a ramp of slope a gives exactly a), with x to
// the right and y down. Borders replicate.
void sobel(const float* image, int64_t h, int64_t w, float* gx, float* gy);
// float32 [...,H,W] -> (gx, gy), each float32 [...,H,W]. Throws InvalidArgument for another shape
// or dtype.
std::pair<Array, Array> sobel(const Array& image);

// The angle bin in [0, bins) of the vector (x, y):
//   full_circle = false: orientation modulo 180 degrees (edges: a dark-to-light and a
//                        light-to-dark step are the same edge); bin b is centred on b*180/bins
//   full_circle = true:  direction over 360 degrees (motion); bin b is centred on b*360/bins
// Bins are centred on their angles, so bin 0 holds horizontal gradients (vertical edges, e.g.
// vertical stripes) and, with 8 unsigned bins, bin 4 vertical ones. Angles are measured from +x
// towards +y, and y points down: with 8 direction bins, 0 is rightward motion, 2 downward,
// 4 leftward, 6 upward. A zero vector lands in bin 0; histograms weight it by its zero magnitude.
// `width` is angle_bin_width(bins, full_circle). Computed in float, as the maps are.
inline int32_t angle_bin(float x, float y, int32_t bins, float width) {
  // Centred bins: shift by half a bin, floor, wrap. Angles a period apart share a bin.
  const auto b = static_cast<int32_t>(std::floor(std::atan2(y, x) / width + 0.5f)) % bins;
  return b < 0 ? b + bins : b;
}
inline float angle_bin_width(int64_t bins, bool full_circle) {
  return static_cast<float>((full_circle ? 2 : 1) * std::numbers::pi / static_cast<double>(bins));
}
// float32 x, y of one shape -> int64 bins of that shape. Throws InvalidArgument for bins < 1 or
// mismatched arrays.
Array angle_bins(const Array& x, const Array& y, int64_t bins, bool full_circle);

// Bin centres as names: "0deg", "22.5deg", ...
std::vector<std::string> angle_bin_names(int64_t bins, bool full_circle);

}  // namespace vidrep::features
