// Conversions at the end of a preprocessing chain: dtype (uint8 0..255 <-> float32 0..1),
// per-channel normalisation, and the memory layout models expect (THWC <-> CTHW). Pure functions.
//
//   at::Tensor x = transform::normalize(clip, Normalization::imagenet());   // [T,H,W,3] float
//   at::Tensor y = transform::to_cthw(x);                                   // [3,T,H,W] float
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace vidrep::transform {

// [T,H,W,C] uint8 -> float32 x / 255 (float32 in: a copy).
at::Tensor to_float(const at::Tensor& clip);
// [T,H,W,C] float32 -> uint8 round(clamp(x, 0, 1) * 255) (uint8 in: a copy).
at::Tensor to_uint8(const at::Tensor& clip);

// Per-channel mean and standard deviation in 0..1 units, one value per channel.
struct Normalization {
  std::vector<double> mean, std;
  // ImageNet's RGB statistics, the default of torchvision's pretrained models.
  static Normalization imagenet() { return {{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}}; }
};
// [T,H,W,C] uint8|float32 -> [T,H,W,C] float32 (x - mean[c]) / std[c]; uint8 is first scaled to
// 0..1 (in the same pass). mean and std need C entries each, std > 0.
at::Tensor normalize(const at::Tensor& clip, const Normalization& n);

// [T,H,W,C] -> [C,T,H,W], or a batch [K,T,H,W,C] -> [K,C,T,H,W]; any dtype, contiguous result.
at::Tensor to_cthw(const at::Tensor& x);
// The inverse: [C,T,H,W] -> [T,H,W,C], [K,C,T,H,W] -> [K,T,H,W,C].
at::Tensor to_thwc(const at::Tensor& x);

// The layout of a clip tensor: THWC as decoded (channels last), CTHW as video models take it.
enum class Layout { THWC, CTHW };
// "thwc" | "cthw"; throws InvalidArgument naming --layout.
Layout parse_layout(const std::string& name);
// A THWC clip or batch in `layout`: CTHW is a contiguous copy, THWC the input itself.
at::Tensor to_layout(const at::Tensor& thwc, Layout layout);

}  // namespace vidrep::transform
