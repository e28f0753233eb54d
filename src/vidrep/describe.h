// describe(): a tensor as error messages show it, "[16,112,112,3] uint8", with NumPy's dtype
// names (the ones users of the .npy outputs know), for "expected X, got Y" messages.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace vidrep {

std::string describe(const at::Tensor& x);

}  // namespace vidrep
