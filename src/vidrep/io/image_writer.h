// A still picture as PNG (libavcodec's encoder): written through a temporary name (thumbnails of
// alerts and timelines) or kept in memory (the pictures inlined in reports).
//
//   io::write_png("alert.png", rgb, width, height);   // packed uint8 RGB, height x width x 3
//   std::string bytes = io::encode_png(rgb, width, height);
#pragma once

#include <cstdint>
#include <string>

namespace vidrep::io {

// Throws InvalidArgument for a size out of range, WriteError when the file cannot be written.
void write_png(const std::string& path, const uint8_t* rgb, int width, int height);
// The PNG file's bytes. `what` names the picture in errors.
std::string encode_png(const uint8_t* rgb, int width, int height, const std::string& what = "picture");

}  // namespace vidrep::io
