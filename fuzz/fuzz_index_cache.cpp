// Fuzz target: bytes as a frame index cache file (io/frame_index_cache.h: RUN/frame_index.bin),
// as they are and behind the format's first line, so the fuzzer starts past the magic. load_bytes
// must refuse or accept without a memory error; what it accepts must serialise again.
#include "vidrep/io/frame_index_cache.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace vidrep {
// The cache's scan path (FrameIndex from a Demuxer) is not reached from loading bytes.
int hardware_threads() { return 1; }
}  // namespace vidrep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vidrep::io::FrameIndexCache raw;
  (void)raw.load_bytes(bytes);
  vidrep::io::FrameIndexCache framed;
  const std::string with_magic = std::string("vidrep frame index cache 1\n") + std::string(bytes);
  if (framed.load_bytes(with_magic) && framed.size() > 0) (void)framed.hits();
  return 0;
}
