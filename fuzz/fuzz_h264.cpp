// Fuzz target: bytes as H.264 codec extradata (an avcC record or Annex B parameter sets) and as a
// packet in either layout, through everything a smart cut reads of them (io/h264_splice.h).
#include "vidrep/io/h264_splice.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace vidrep::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int n = static_cast<int>(std::min<size_t>(size, 1 << 20));
  const h264::Layout layout = h264::layout_of(data, n);
  if (layout.nal_length_size < 0 || layout.nal_length_size > 4) std::abort();
  for (int prefix : {0, 1, 2, 4, layout.nal_length_size}) {
    (void)h264::has_idr(data, n, prefix);
    const std::string sets = h264::parameter_sets(data, n, prefix);
    if (sets.size() > 2 * size + 64) std::abort();  // never more than the units found, plus prefixes
  }
  const std::string converted = h264::from_annex_b(data, n, layout.nal_length_size == 0 ? 4 : layout.nal_length_size);
  // The converted packet parses as length-prefixed units again.
  (void)h264::has_idr(reinterpret_cast<const uint8_t*>(converted.data()), static_cast<int>(converted.size()),
                      layout.nal_length_size == 0 ? 4 : layout.nal_length_size);
  return 0;
}
