// Texture: uniform local binary patterns (Ojala, Pietikäinen & Mäenpää, TPAMI 2002) with P = 8
// neighbours at radius R = 1, on luma.
//
// Each pixel gets an 8-bit code, bit k set when neighbour k is >= the centre; neighbours go round
// the 3x3 square in circular order E, SE, S, SW, W, NW, N, NE (image rows grow downwards). A code
// is uniform when it has at most two 0/1 transitions around the circle; the 58 uniform codes get
// labels 0..57 in increasing code order and every other code label 58, giving 59 bins.
// A constant region has every neighbour equal to its centre: code 255, label 57.
//
// The neighbours are the 8 square neighbours rather than points on a circle of radius 1: the
// diagonal samples then need no interpolation and codes compare exact luma values (this is the
// "basic" LBP used by most video work; rotation invariance is not claimed). Borders replicate.
#pragma once

#include "vidrep/array.h"

#include <array>
#include <cstdint>

namespace vidrep::features {

constexpr int64_t kUniformLbpBins = 59;

// Code (0..255) -> uniform label (0..58).
const std::array<int64_t, 256>& uniform_lbp_labels();

// One h x w float luma image -> its h x w raw codes 0..255.
void lbp_codes(const float* luma, int64_t h, int64_t w, uint8_t* codes);
// float32 luma [...,H,W] -> uint8 [...,H,W] raw codes 0..255. Throws InvalidArgument for another
// shape or dtype.
Array lbp_codes(const Array& luma);

// Histograms over raw codes, float64 [...,256] -> over uniform labels, float64 [...,59]. The
// extractor pools 256-bin code histograms and folds them afterwards: one pass over the bins of
// each cell instead of a table lookup per pixel.
Array fold_uniform_lbp(const Array& code_histogram);

}  // namespace vidrep::features
