// Colour features of RGB frames: the HSV conversion and joint HSV histogram bins, and the colour
// moments (mean, standard deviation, third moment per RGB channel).
//
// Pixels here are channels last, [...,3], as frames are decoded.
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::features {

// A joint histogram over (hue, saturation, value): hue bins split [0,360) degrees from 0 (red), the
// others split [0,1]. The joint form keeps which saturation goes with which hue, which separate
// H, S and V histograms lose; the default 8x4x4 = 128 bins is finest in hue, which carries most
// of a colour's identity, and keeps the descriptor small enough to pyramid-pool.
struct HsvBins {
  int hue = 8;
  int saturation = 4;
  int value = 4;
  int64_t count() const { return static_cast<int64_t>(hue) * saturation * value; }
};

// Throws InvalidArgument unless each count is within 1..64.
void validate_hsv_bins(const HsvBins& bins);

// float32 [...,3] RGB in [0,1] -> float32 [...,3] HSV: hue in [0,360) degrees (0 for greys),
// saturation (max-min)/max (0 for black) and value max, both in [0,1]. The usual hexcone model,
// as OpenCV's COLOR_RGB2HSV_FULL before its rescaling to bytes.
Array rgb_to_hsv(const Array& rgb);

// The joint bin (h * saturation + s) * value + v of one RGB byte triple. Computed from the bytes
// as ratios of integers (e.g. value bin floor(max * bins / 255)), so a colour on a bin boundary
// always lands in the same bin. `bins` must be valid (validate_hsv_bins).
int32_t hsv_bin(uint8_t r, uint8_t g, uint8_t b, const HsvBins& bins);
// uint8 RGB [...,3] -> int64 [...]: hsv_bin() of every pixel.
Array hsv_bin_index(const Array& rgb, const HsvBins& bins);

// "h0s0v0", "h0s0v1", ... in bin order.
std::vector<std::string> hsv_bin_names(const HsvBins& bins);

// Colour moments (Stricker & Orengo, 1995) per cell: mean, standard deviation and third moment of
// R, G and B in [0,1], computed exactly from each cell's 256-bin histograms of the bytes:
//   float64 [...,3,256] (fractions of the cell's pixels per byte value, as StppPooler::histogram
//   gives for bins [K,T,H,W,3]) -> float64 [...,9]: mean_r,g,b; std_r,g,b; third_r,g,b
// The third moment is Stricker & Orengo's cube root of the third central moment: it has the
// units of the mean and stays finite on flat cells, where standardized skewness divides 0 by 0.
// (Standardized skewness is third^3 / std^3.) Working from exact counts in float64 keeps
// E[x^2] - E[x]^2 free of the cancellation that float32 sums of x^2 suffer on flat cells.
Array color_moments_from_histograms(const Array& byte_histograms);
const std::vector<std::string>& color_moment_names();  // the 9 names above, in order

}  // namespace vidrep::features
