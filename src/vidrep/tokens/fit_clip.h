// A clip brought to its bucket's shape (tokens/bucketer.h): the first `frames` frames, resized
// to cover the target and centre-cropped, as plan_fit() plans it.
//
//   at::Tensor x = vidrep::fit_clip(clip, bucketer.assign(720, 1280, 90)->shape);
#pragma once

#include "vidrep/tokens/bucketer.h"

#include <ATen/core/Tensor.h>

namespace vidrep {

// [T,H,W,C] uint8 or float -> [frames, height, width, C], same dtype: first `frames` frames,
// bilinear resize (antialiased when shrinking), centre crop. Throws InvalidArgument when the clip
// has fewer than target.frames frames.
at::Tensor fit_clip(const at::Tensor& clip, BucketShape target);

}  // namespace vidrep
