// How the feature code names a tensor in error messages: "[16,112,112,3] uint8" (or "none"), so
// every "expected X, got Y" reads the same way.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace vidrep::features::detail {

std::string describe(const at::Tensor& x);

}  // namespace vidrep::features::detail
