// NumPy .npy files (format 1.0), the hand-off format to Python users. Writing is atomic
// (OutputFile); reading checks the header against the file size.
//   dtypes: uint8, int16, int32, int64, float32, float64 (little-endian, C order)
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace vidrep::io {

void save_npy(const std::string& path, const at::Tensor& tensor);

// Throws OpenError for a missing/unreadable file and InvalidArgument for a malformed one.
at::Tensor load_npy(const std::string& path);

}  // namespace vidrep::io
