// NumPy .npy files (format 1.0), the hand-off format to Python users. Writing is atomic
// (OutputFile); reading checks the header against the file size before allocating.
//   dtypes: bool, int8, uint8, int16, int32, int64, float32, float64 (little-endian, C order)
#pragma once

#include "vidrep/io/npy_format.h"

#include <memory>
#include <string>
#include <vector>

namespace vidrep::io {

void save_npy(const std::string& path, const Array& array);

// Throws OpenError for a missing/unreadable file and InvalidArgument for a malformed one.
Array load_npy(const std::string& path);

// One .npy of a shape known up front, written in parts by a thread of its own: append() queues a
// part and returns, so the write overlaps what the caller does next (decoding the next frames),
// and memory holds a few parts, not the whole array. Atomic like save_npy: the file appears
// under `path` only at commit(). Used from one thread.
//
//   io::NpyWriter out("all.npy", DType::UInt8, {n, h, w, 3});
//   for (const auto& part : parts) out.append(reader.read_frames(part));
//   out.commit();
class NpyWriter {
 public:
  // Throws WriteError when the file cannot be created.
  NpyWriter(const std::string& path, DType dtype, std::vector<int64_t> shape);
  ~NpyWriter();  // without commit(), the temporary file is removed
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  // Queues `part`, whose elements continue the array in C order; blocks while two parts wait.
  // Throws InvalidArgument for another dtype or more elements than the shape holds, and the
  // WriteError of an earlier part that could not be written.
  void append(Array part);
  // Waits for the queued parts, checks that the array is complete, and moves the file to `path`.
  // Throws InvalidArgument (incomplete) or WriteError.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep::io
