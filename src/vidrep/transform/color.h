// Photometric transforms of RGB clips: colour jitter (torchvision's ColorJitter), channel
// shuffling and inversion, luma histogram equalisation, Gaussian noise and Gaussian blur. Pure
// functions; random ones take an explicit seed and draw once per clip, so every frame of a clip is
// changed the same way.
//
// Every function takes [T,H,W,3] uint8 or float32 and returns the same shape and dtype. uint8 is
// 0..255; float32 is taken as 0..1 where a function needs a range (clamping, grey level, hue).
// uint8 results are computed in float and rounded to nearest once, at the end.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vidrep::transform {

// --- colour jitter (torchvision semantics) ---
// x * factor, clamped (factor >= 0).
at::Tensor adjust_brightness(const at::Tensor& clip, double factor);
// Blend with each frame's mean grey level (0.2989 R + 0.587 G + 0.114 B): factor 0 is flat grey.
at::Tensor adjust_contrast(const at::Tensor& clip, double factor);
// Blend with each pixel's grey level: factor 0 is greyscale, 2 doubles the saturation.
at::Tensor adjust_saturation(const at::Tensor& clip, double factor);
// Rotates hue in HSV by `shift` turns (in [-0.5, 0.5]); saturation and value are kept.
at::Tensor adjust_hue(const at::Tensor& clip, double shift);

// Strengths as torchvision's ColorJitter(brightness, contrast, saturation, hue): factors drawn
// uniformly from [max(0, 1-b), 1+b] (likewise contrast and saturation), the hue shift from [-h, h]
// (h <= 0.5); the four are applied in a random order. A strength of 0 leaves that property alone.
struct ColorJitterOptions {
  double brightness = 0, contrast = 0, saturation = 0, hue = 0;
};
at::Tensor color_jitter(const at::Tensor& clip, const ColorJitterOptions& options, uint64_t seed);

// --- colour symmetries ---
// Label-free augmentation for reconstruction: each maps a plausible clip to another one (random
// colours stay random colours), without changing any pixel's position.
// With probability p, the clip's RGB channels in an order drawn uniformly from the six (RGB
// included, as albumentations' ChannelShuffle: p = 1 makes every order equally likely), the same
// for every frame; otherwise a copy. Needs 3 channels.
at::Tensor random_channel_shuffle(const at::Tensor& clip, double p, uint64_t seed);
// With probability p, the negative: 255 - x (uint8) or 1 - x (float32); otherwise a copy.
at::Tensor random_invert(const at::Tensor& clip, double p, uint64_t seed);

// --- histogram equalisation ---
// Equalises each frame's luma Y (BT.601 full range, Y = 0.299 R + 0.587 G + 0.114 B, in 256
// levels) and keeps its chroma Cb, Cr: every channel moves by the change in Y, which leaves Cb
// and Cr unchanged, then is clamped. The level map is OpenCV's equalizeHist (the CDF stretched so
// the darkest level present maps to 0). Per frame, like an image equaliser applied to each frame.
at::Tensor equalize_luma(const at::Tensor& clip);

// --- noise and blur ---
// Adds zero-mean Gaussian noise with standard deviation `std` in the clip's units: 0..255 levels
// for uint8 (then rounded and clamped to 0..255), 0..1 for float32 (not clamped: the clip may
// already be normalised). Each element's noise depends only on the seed and its position.
at::Tensor gaussian_noise(const at::Tensor& clip, double std, uint64_t seed);
// Separable Gaussian blur of each frame: kernel radius ceil(3 sigma) (capped below the frame
// size), edges reflected as torchvision's GaussianBlur. sigma 0 returns a copy.
at::Tensor gaussian_blur(const at::Tensor& clip, double sigma);

}  // namespace vidrep::transform
