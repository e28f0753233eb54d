// Plane: one 8-bit picture plane (luma or a chroma plane) with a border of replicated edge pixels
// around it, so filters that look at neighbours need no bounds checks. The enhancement filters
// (denoise.h, contrast.h, sharpen.h) work on these; enhance_file.h moves decoded frames in and out.
//
//   enhance::Plane y;
//   y.load(frame->data[0], frame->linesize[0], width, height, /*border=*/4);
//   y.at(x, y) ...                         // x in [-border, width + border)
//   y.store(out->data[0], out->linesize[0]);
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vidrep::enhance {

class Plane {
 public:
  // Copies width x height pixels from `src` (rows `stride` bytes apart) and replicates the edges
  // `border` pixels outwards. Reuses the buffer when the size is unchanged.
  void load(const uint8_t* src, std::ptrdiff_t stride, int width, int height, int border);
  // Copies the picture (without the border) to `dst`.
  void store(uint8_t* dst, std::ptrdiff_t stride) const;
  // Replicates the edges again after the picture was changed in place.
  void extend_edges();

  int width() const { return width_; }
  int height() const { return height_; }
  int border() const { return border_; }
  std::ptrdiff_t stride() const { return stride_; }
  uint8_t* row(int y) { return data_.data() + (y + border_) * stride_ + border_; }
  const uint8_t* row(int y) const { return data_.data() + (y + border_) * stride_ + border_; }

 private:
  int width_ = 0, height_ = 0, border_ = 0;
  std::ptrdiff_t stride_ = 0;
  std::vector<uint8_t> data_;
};

// A picture's planes (Y, U, V: chroma planes may be smaller) and its timestamp.
struct Picture {
  std::vector<Plane> planes;
  int64_t pts = 0;
};

}  // namespace vidrep::enhance
