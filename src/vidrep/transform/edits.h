// Copy-style edits: what a re-uploaded copy of a video carries (the augmentations a copy-detection
// descriptor learns to ignore, `vidrep train --task contrastive`): a change of speed, a letterbox
// pad, a pasted logo or caption box, and block-compression artefacts. Pure functions on clips
// [T,H,W,C] uint8 or float32 (taken as 0..1), seeded, one draw per clip (every frame edited alike).
//
//   at::Tensor v = transform::random_speed(clip32, 16, 0.5, 2.0, seed);   // [32,...] -> [16,...]
//   v = transform::random_overlay(v, 1.0, seed + 1);
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vidrep::transform {

// [L,H,W,C] -> [frames,H,W,C]: the clip played at a rate r drawn log-uniformly from [lo, hi]
// (capped so that `frames` frames fit in the clip: r <= (L-1)/(frames-1)), from a random start:
// frame i is input frame round(start + i * r). r < 1 repeats frames (slow motion), r > 1 skips
// them (fast forward). A clip shorter than `frames` repeats its last frame. 0 < lo <= hi.
at::Tensor random_speed(const at::Tensor& clip, int64_t frames, double lo, double hi, uint64_t seed);

// With probability p: a border of a random flat colour on every side (each side's width drawn from
// [0, max_fraction] of the frame's size), the padded frame resized back to H x W, so the picture
// shrinks inside a letterbox or pillarbox. Otherwise a copy. 0 <= max_fraction <= 1.
at::Tensor random_pad(const at::Tensor& clip, double max_fraction, double p, uint64_t seed);

// With probability p: a box of 2-15 % of the frame's area at a random place, drawn over every
// frame at an opacity of 0.5-1: either a flat colour or bars of two colours (a caption or logo
// stand-in). Otherwise a copy.
at::Tensor random_overlay(const at::Tensor& clip, double p, uint64_t seed);

// With probability p: JPEG-like block quantisation, as a heavy re-encode leaves it: every 8x8
// block of every channel goes through the DCT, coefficient (u, v) is rounded to a multiple of
// q * (1 + u + v) (q drawn from [lo, hi] in 0..255 levels, so high frequencies lose most), and
// back. Edges of a frame not a multiple of 8 are left as they are. Otherwise a copy. 0 < lo <= hi.
at::Tensor random_dct_quantize(const at::Tensor& clip, double lo, double hi, double p, uint64_t seed);

}  // namespace vidrep::transform
