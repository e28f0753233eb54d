// NumPy .npy files (format 1.0), the hand-off format to Python users. Writing is atomic
// (OutputFile); reading checks the header against the file size before allocating.
//   dtypes: bool, int8, uint8, int16, int32, int64, float32, float64 (little-endian, C order)
#pragma once

#include "vidrep/io/npy_format.h"

#include <string>

namespace vidrep::io {

void save_npy(const std::string& path, const Array& array);

// Throws OpenError for a missing/unreadable file and InvalidArgument for a malformed one.
Array load_npy(const std::string& path);

}  // namespace vidrep::io
