// Contrast enhancement of a luma plane without flicker: global histogram equalisation, or CLAHE
// (contrast-limited adaptive equalisation on a grid of tiles, Zuiderveld's method, with bilinear
// interpolation between the tiles' mappings). The histograms are averaged over time (an
// exponential moving average), so the mapping drifts slowly with the scene instead of jumping
// from frame to frame; a picture that stays the same keeps the same mapping; a new scene (a
// histogram far from the average) starts a new average at once. Global equalisation is
// contrast-limited too (each bin at most 4x the mean), so a flat picture (a black frame) stays
// close to itself instead of being stretched to mid-grey.
//
//   enhance::ContrastEnhancer c({.mode = enhance::ContrastMode::Clahe});
//   c.apply(luma);   // in place, frame after frame
#pragma once

#include "vidrep/enhance/plane.h"

#include <array>
#include <string>
#include <vector>

namespace vidrep::enhance {

enum class ContrastMode { None, Equalize, Clahe };

// "equalize" | "clahe" | "none"; throws InvalidArgument for anything else.
ContrastMode parse_contrast_mode(const std::string& name);

struct ContrastOptions {
  ContrastMode mode = ContrastMode::None;
  double memory = 0.9;  // weight of the past in the histogram average per frame (0: none)
  int tiles = 8;        // CLAHE: tiles across and down
  double clip = 2.0;    // CLAHE: a bin's largest count, times the mean count
  int low = 16, high = 235;  // the output's range (limited-range video; 0..255 for full range)
};

class ContrastEnhancer {
 public:
  explicit ContrastEnhancer(const ContrastOptions& options);
  void apply(Plane& luma);

 private:
  using Histogram = std::array<double, 256>;
  using Lut = std::array<uint8_t, 256>;
  void average(std::vector<Histogram>& now);
  Lut mapping(const Histogram& h, double clip) const;

  ContrastOptions options_;
  std::vector<Histogram> average_;  // per tile (one for global equalisation)
  int width_ = 0, height_ = 0;
};

// Unsharp masking: luma + amount x (luma - its 3x3 Gaussian blur), in place.
void sharpen(Plane& luma, double amount);

}  // namespace vidrep::enhance
