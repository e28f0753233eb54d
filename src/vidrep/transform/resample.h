// The uint8 resize kernel behind transform::resize. LibTorch 1.13 resizes only floating point, and
// converting a full-resolution clip to float costs more than the resize itself, so uint8 clips are
// filtered here in one pass: vertical then horizontal, per output row, in float.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vidrep::transform::detail {

// uint8 [T,H,W,C] -> uint8 [T,crop_height,crop_width,C]: the window at (top, left) of the clip
// resized to out_width x out_height with the antialiased bilinear weights of
// at::_upsample_bilinear2d_aa (align_corners=false), rounded to nearest. Only the window is
// computed. The caller checks that the window lies inside. Parallel over output rows.
at::Tensor resize_aa_uint8(const at::Tensor& clip, int64_t out_width, int64_t out_height, int64_t top,
                           int64_t left, int64_t crop_width, int64_t crop_height);

}  // namespace vidrep::transform::detail
