// What shot detection compares frames by: per frame, a small luma picture and a colour histogram,
// and the distance of two frames made of both. Free of LibTorch (the I/O core).
//
//   FrameSignature a = frame_signature(rgb, 64, 64), b = ...;   // rgb: uint8 HxWx3, packed rows
//   double d = frame_distance(a, b);                              // 0 (same) .. 1
//
// The two parts fail in different ways, so a cut is where both change: the histogram (4 levels a
// channel, 64 bins) ignores where things are, so motion and pans barely move it, but a flash or a
// fade moves it; the luma picture (16x16 block means) is compared by correlation, which ignores
// brightness and contrast (flashes, fades), but motion moves it.
#pragma once

#include <array>
#include <cstdint>

namespace vidrep::shots {

inline constexpr int kGrid = 16;  // luma picture kGrid x kGrid
inline constexpr int kBins = 64;  // 4 x 4 x 4 RGB levels

struct FrameSignature {
  std::array<float, kGrid * kGrid> luma{};  // block means, then zero mean (unit norm unless flat)
  std::array<float, kBins> histogram{};     // sums to 1
  float mean_luma = 0;                      // 0..255
  float luma_std = 0;                       // spread of the block means (0: a flat frame)
};

// rgb: width x height x 3 packed (row stride width * 3), width and height >= kGrid.
FrameSignature frame_signature(const uint8_t* rgb, int width, int height);

// Half the L1 distance of the histograms (0..1).
double histogram_distance(const FrameSignature& a, const FrameSignature& b);
// (1 - correlation of the luma pictures) / 2 (0..1); two flat frames are 0 apart, a flat frame
// and a textured one 0.5.
double structure_distance(const FrameSignature& a, const FrameSignature& b);
// The mean of the two (0..1).
double frame_distance(const FrameSignature& a, const FrameSignature& b);

}  // namespace vidrep::shots
