#include "vidrep/sample/save_frames.h"

#include "vidrep/io/npy.h"

#include <algorithm>

namespace vidrep {

void save_frames(VideoReader& reader, const std::vector<int64_t>& indices, const std::string& path,
                 int64_t part_bytes) {
  const int64_t n = static_cast<int64_t>(indices.size());
  if (!std::is_sorted(indices.begin(), indices.end())) {
    io::save_npy(path, reader.read_frames(indices));
    return;
  }
  const int64_t frame_bytes = int64_t{3} * reader.width() * reader.height();
  const int64_t part = std::max<int64_t>(16, part_bytes / frame_bytes);
  io::NpyWriter out(path, DType::UInt8, {n, reader.height(), reader.width(), 3});
  for (int64_t begin = 0; begin < n; begin += part) {
    const int64_t end = std::min(n, begin + part);
    out.append(reader.read_frames({indices.begin() + begin, indices.begin() + end}));
  }
  out.commit();
}

}  // namespace vidrep
