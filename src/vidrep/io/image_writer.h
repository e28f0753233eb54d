// A still picture written as PNG (libavcodec's encoder), through a temporary name: thumbnails of
// alerts and timelines.
//
//   io::write_png("alert.png", rgb, width, height);   // packed uint8 RGB, height x width x 3
#pragma once

#include <cstdint>
#include <string>

namespace vidrep::io {

// Throws InvalidArgument for a size out of range, WriteError when the file cannot be written.
void write_png(const std::string& path, const uint8_t* rgb, int width, int height);

}  // namespace vidrep::io
