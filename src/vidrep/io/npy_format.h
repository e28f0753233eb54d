// The .npy and .npz formats as bytes, without tensors: the .npy header (written and parsed) and the
// zip directory of an .npz. Free of LibTorch so that the fuzzer exercises exactly this code; npy.h
// and npz.h put tensors on top. Everything read from a file is bounds-checked here before anything
// is allocated from it.
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vidrep::io {

struct NpyHeader {
  DType dtype = DType::UInt8;
  std::vector<int64_t> shape;
  uint64_t header_bytes = 0;  // magic, version, length and dict: where the data starts
  uint64_t data_bytes = 0;    // elements x item size
};

// The largest header vidrep reads (numpy's own are under 200 bytes), and the most dimensions.
constexpr uint64_t kMaxNpyHeaderBytes = 1 << 16;
constexpr size_t kMaxNpyDims = 32;
// No array may claim more bytes than this (4 EiB), whatever its file says.
constexpr uint64_t kMaxNpyDataBytes = uint64_t{1} << 62;

// The header's total size from the first bytes of a .npy (at least 12, or the whole array if
// shorter). Throws InvalidArgument naming `where` for a missing magic or an oversized header.
uint64_t npy_header_size(std::string_view first_bytes, const std::string& where);
// Parses a whole header (npy_header_size bytes). Throws InvalidArgument naming `where` for
// anything but a little-endian, C-ordered array of a supported dtype with a sane shape.
NpyHeader parse_npy_header(std::string_view header, const std::string& where);
// The format 1.0 header for an array (dict padded so the data starts 64-byte aligned).
std::string npy_header_bytes(DType dtype, const std::vector<int64_t>& shape);
// The same for any NumPy dtype string, e.g. "<U12" (fixed-width unicode).
std::string npy_header_bytes(std::string_view descr, const std::vector<int64_t>& shape);

// --- zip (.npz) ---

// Zip record signatures and the value that says a 32-bit field continues in ZIP64 records.
constexpr uint32_t kZipLocalSig = 0x04034b50, kZipCentralSig = 0x02014b50, kZipEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kZipMax32 = 0xFFFFFFFFu;

// CRC-32 with zip's polynomial, continuing from `crc` (0 to start).
uint32_t crc32_update(uint32_t crc, const void* data, size_t n);

// One stored member of a zip archive: where its bytes are and what they should checksum to.
struct ZipMember {
  std::string name;          // as stored (e.g. "tokens.npy")
  uint64_t data_offset = 0;  // of its first byte in the archive
  uint64_t size = 0;
  uint32_t crc = 0;
};

// `n` bytes at `offset` of the archive; the caller has checked offset + n <= archive size.
using ReadAt = std::function<std::string(uint64_t offset, uint64_t n)>;

// The members of an archive of `size` bytes, from its central directory. Refuses (InvalidArgument
// naming `where`) compressed members, records pointing outside the archive, and names that are
// empty, longer than 255 bytes, contain '/', '\\' or control characters, are "." or "..", or
// repeat.
std::vector<ZipMember> read_zip_directory(uint64_t size, const ReadAt& read_at, const std::string& where);

}  // namespace vidrep::io
