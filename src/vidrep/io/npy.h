// NumPy .npy files (format 1.0), the hand-off format to Python users. Writing is atomic
// (OutputFile); reading checks the header against the file size before allocating.
//   dtypes: bool, int8, uint8, int16, int32, int64, float32, float64 (little-endian, C order)
#pragma once

#include "vidrep/io/npy_format.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace vidrep::io {

void save_npy(const std::string& path, const at::Tensor& tensor);

// Throws OpenError for a missing/unreadable file and InvalidArgument for a malformed one.
at::Tensor load_npy(const std::string& path);

// The format 1.0 header (magic, version, length, dict padded to 64 bytes) for `t`, shared with
// the .npz writer. Throws InvalidArgument naming `what` for a dtype .npy cannot hold.
std::string npy_header(const at::Tensor& t, const std::string& what);
// The tensor dtype of a .npy dtype (npy_format.h).
at::ScalarType scalar_type(NpyDtype dtype);

}  // namespace vidrep::io
