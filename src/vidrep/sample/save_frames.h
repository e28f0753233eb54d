// save_frames(): frames of a video straight to a .npy, as `vidrep frames` writes them. Frames
// asked for in ascending order are decoded and written in parts (io::NpyWriter) of 8 MB or 16
// frames, whichever is more, so the file is written while the next part decodes and memory holds
// a few parts, whatever the video's length; any other order is one request (sorted and
// deduplicated by the reader).
//
//   vidrep::save_frames(reader, {0, 1, 2, 3}, "out.npy");   // uint8 [4,H,W,3]
#pragma once

#include "vidrep/io/video_reader.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

// Throws what the reader and io::NpyWriter throw; the file exists only when all is written.
// `part_bytes`: the size of the parts (at least 16 frames each).
void save_frames(VideoReader& reader, const std::vector<int64_t>& indices, const std::string& path,
                 int64_t part_bytes = int64_t{8} << 20);

}  // namespace vidrep
