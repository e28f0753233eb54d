// Fuzz target: bytes as a .npy file (header parse, bounds of the data it describes) and as an .npz
// archive (zip directory, each member's .npy header).
#include "vidrep/error.h"
#include "vidrep/io/npy_format.h"

#include <cstdlib>
#include <string>
#include <string_view>

using namespace vidrep::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const NpyHeader h = parse_npy_header(bytes, "fuzz.npy");
    if (h.header_bytes > size || h.data_bytes > kMaxNpyDataBytes) std::abort();
  } catch (const vidrep::Error&) {
  }
  try {
    const ReadAt read_at = [&](uint64_t offset, uint64_t n) {
      if (n > size || offset > size - n) std::abort();  // the reader asked outside the archive
      return std::string(bytes.substr(offset, n));
    };
    for (const ZipMember& m : read_zip_directory(size, read_at, "fuzz.npz")) {
      if (m.size > size || m.data_offset > size - m.size) std::abort();
      const std::string first = read_at(m.data_offset, std::min<uint64_t>(m.size, 12));
      const uint64_t header = npy_header_size(first, m.name);
      if (header > m.size) continue;
      const NpyHeader h = parse_npy_header(read_at(m.data_offset, header), m.name);
      (void)crc32_update(0, data + m.data_offset, m.size);
      (void)h;
    }
  } catch (const vidrep::Error&) {
  }
  return 0;
}
