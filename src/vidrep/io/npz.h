// NumPy .npz archives: several named arrays in one file, what numpy.savez writes and numpy.load
// reads back as a dict ({"tokens": ..., "positions": ...}).
//
//   vidrep::io::save_npz("out.npz", {{"tokens", tokens}, {"grid", grid}});
//   auto arrays = vidrep::io::load_npz("out.npz");   // same names, same order
//
// The archive is a zip of `<name>.npy` members, stored uncompressed (the arrays are mostly
// incompressible pixels, and stored members load without inflating), each with its CRC-32.
// ZIP64 records are written when a member or the archive passes 4 GiB. Timestamps are fixed
// (1980-01-01), so equal arrays give byte-identical files. Writing is atomic (OutputFile).
//   dtypes: bool, int8, uint8, int16, int32, int64, float32, float64 (little-endian, C order)
#pragma once

#include "vidrep/array.h"

#include <string>
#include <utility>
#include <vector>

namespace vidrep::io {

using NpzArrays = std::vector<std::pair<std::string, Array>>;
// Named string columns (e.g. VSC22's video_ids), stored as NumPy's fixed-width unicode dtype
// ('<U' + the longest length, UTF-32): what np.array(["a.mp4", "b.mp4"]) holds. Bytes that are
// not UTF-8 become U+DC80 + byte, as Python decodes such a file name (surrogateescape).
using NpzStrings = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct NpzOptions {
  bool zip64 = false;  // write ZIP64 records even when not needed (they are automatic past 4 GiB)
};

// Names must be non-empty, unique and free of '/' and '\\'; ".npy" is appended. Throws
// InvalidArgument for a bad name or dtype, WriteError when the file cannot be written.
void save_npz(const std::string& path, const NpzArrays& arrays, NpzOptions options = {});
// The arrays, then the string columns (options not defaulted: {.zip64 = true} alone means the first).
void save_npz(const std::string& path, const NpzArrays& arrays, const NpzStrings& strings, NpzOptions options);

// Reads an archive of stored members (save_npz's and numpy.savez's, not savez_compressed's),
// checking every CRC. Throws OpenError for a missing file, InvalidArgument for a malformed one.
NpzArrays load_npz(const std::string& path);

}  // namespace vidrep::io
