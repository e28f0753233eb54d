// FrameConverter: decoded frame (any pixel format, any bit depth) -> packed RGB24, resized in the
// same swscale pass. Follows the frame's own colour tags (matrix and range) the way the ffmpeg CLI
// does, so output matches `ffmpeg -pix_fmt rgb24`. Not thread-safe; one per decoding thread.
#pragma once

#include "vidrep/io/ffmpeg.h"

#include <cstdint>

namespace vidrep::io {

class FrameConverter {
 public:
  // Writes `frame` as out_h rows of out_w*3 bytes at `dst`. Shrinking averages areas, enlarging
  // is bilinear; same-size conversion uses the ffmpeg CLI's default (bicubic) so pixels match it.
  void convert(const AVFrame* frame, int out_w, int out_h, uint8_t* dst);

  int64_t frames_converted() const { return frames_converted_; }

 private:
  SwsContext* context_for(const AVFrame* frame, int out_w, int out_h);

  // Everything the swscale context depends on; a new frame with the same key reuses it.
  struct Key {
    int width, height, format, out_w, out_h;
    AVColorSpace space;
    AVColorRange range;
    bool operator==(const Key&) const = default;
  };
  UniqueSwsContext sws_;
  Key key_{};
  int64_t frames_converted_ = 0;
};

}  // namespace vidrep::io
