// Input checks shared by the transforms, so every one reports a bad clip the same way:
// "resize: expected a [T,H,W,C] uint8 or float32 clip, got [16,72] int64".
#pragma once

#include "vidrep/describe.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace vidrep::transform::detail {

enum class Channels { Any, Rgb };

// Throws InvalidArgument unless `x` is a defined [T,H,W,C] tensor with T,H,W,C >= 1 (C == 3 for
// Rgb) of dtype uint8 or float32.
void check_clip(const at::Tensor& x, const char* op, Channels channels = Channels::Any);

}  // namespace vidrep::transform::detail
