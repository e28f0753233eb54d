// The hand-over between vidrep's arrays/tensors and Python's torch.Tensor, without copies: a
// DLPack capsule given to torch.utils.dlpack (so no torch Python headers or libtorch_python are
// needed here). Both directions share memory; the capsule keeps the producer's buffer alive.
// Call with the GIL held.
#pragma once

#include "vidrep/array.h"

#include <ATen/core/Tensor.h>
#include <pybind11/pybind11.h>

#include <string>

namespace vidrep::python {

// A torch.Tensor over the same memory (None for an undefined tensor or array).
pybind11::object to_torch(const at::Tensor& tensor);
pybind11::object to_torch(const Array& array);

// The at::Tensor over a torch.Tensor's memory (detached from autograd). Throws InvalidArgument
// naming `what` when `object` is not a CPU torch.Tensor.
at::Tensor from_torch(pybind11::handle object, const std::string& what);
// The same, as a contiguous Array (a copy only when the tensor is not contiguous).
Array array_from_torch(pybind11::handle object, const std::string& what);

}  // namespace vidrep::python
