// FrameConverter: decoded frame (any pixel format, any bit depth) -> packed RGB24, resized in the
// same swscale pass. Follows the frame's own colour tags (matrix and range) the way the ffmpeg CLI
// does, so output matches `ffmpeg -pix_fmt rgb24`. Not thread-safe; one per decoding thread.
//
// swscale never writes into the caller's memory: its SIMD writers may emit whole blocks past the
// last pixel of a row (and of the image), so it writes into a buffer this class owns, with aligned
// rows and a spare row of slack, and rows are then copied out at their exact length. The slack
// comes from FFmpeg's own alignment rules plus a margin, not from what one swscale version does.
#pragma once

#include "vidrep/io/ffmpeg.h"

#include <cstdint>

namespace vidrep::io {

// out_h rows of out_w*3 bytes, `stride` bytes apart; valid until the converter's next call.
struct RgbRows {
  const uint8_t* data = nullptr;
  int64_t stride = 0;
  int width = 0;
  int height = 0;
};

class FrameConverter {
 public:
  // Converts `frame` to out_w x out_h RGB24 in the converter's own buffer. Shrinking averages
  // areas (by 2x or more from planar 8-bit YUV: io/area_reduce.h, then swscale converts), enlarging is bilinear; same-size conversion uses the ffmpeg CLI's default (bicubic) so
  // pixels match it. Throws DecodeError for a conversion swscale cannot do.
  RgbRows convert(const AVFrame* frame, int out_w, int out_h);
  // The same, written as exactly out_h * out_w * 3 packed bytes at `dst` and nothing beyond.
  void convert(const AVFrame* frame, int out_w, int out_h, uint8_t* dst);

  int64_t frames_converted() const { return frames_converted_; }

 private:
  SwsContext* context_for(const AVFrame* frame, int out_w, int out_h);

  // Everything the swscale context depends on; a new frame with the same key reuses it.
  struct Key {
    int width, height, format, out_w, out_h;
    int space, range;  // AVColorSpace and AVColorRange values, as ints (they may be outside the enums)
    bool operator==(const Key&) const = default;
  };
  UniqueSwsContext sws_;
  Key key_{};
  SwsImage image_;  // swscale's destination
  UniqueAVFrame reduced_;  // area_reduce's output, when a large reduction goes through it
  int64_t frames_converted_ = 0;
};


}  // namespace vidrep::io
