// The boundary between the I/O core's Array (array.h) and LibTorch: both directions share memory.
//
//   at::Tensor x = vidrep::to_tensor(reader.read_frames({0, 1}));   // no copy
//   vidrep::io::save_npy("x.npy", vidrep::to_array(x));              // no copy when contiguous
#pragma once

#include "vidrep/array.h"

#include <ATen/core/Tensor.h>

namespace vidrep {

// The tensor over the array's bytes, keeping them alive. An undefined array gives an undefined
// tensor.
at::Tensor to_tensor(const Array& array);
// A contiguous CPU array of the tensor's elements: its own memory when already contiguous (kept
// alive by the array), else a contiguous copy. Throws InvalidArgument naming `what` for a dtype
// Array does not have (e.g. float16).
Array to_array(const at::Tensor& tensor, const std::string& what = "tensor");

}  // namespace vidrep
