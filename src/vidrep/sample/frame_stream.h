// FrameStream: a whole video (or a time range of it) decoded front to back in batches, at its own
// frame rate or a chosen one, at a chosen size, in bounded memory: one batch of frames at a time
// plus the reader's frame index (24 bytes per frame). For analysis and enhancement that walk a
// file once (shots, tracking, anomaly scores, enhancement).
//
//   FrameStream stream("movie.mp4", {.reader = {.short_side = 112}, .fps = 2});
//   while (auto batch = stream.next()) {
//     batch->frames;    // uint8 [N,H,W,3], N <= options.batch
//     batch->indices;   // the file's frame numbers (as vidrep frames numbers them)
//     batch->times;     // seconds
//   }
//
// With fps > 0 the stream gives, for each tick start, start + 1/fps, ... before the range's end,
// the frame on screen at that time (a frame repeats when fps exceeds the file's rate). Decoding
// never seeks backwards: each batch continues the decoder's run, so the whole file is decoded
// once (with fps below the file's rate, frames no tick needs may be skipped by the decoder).
#pragma once

#include "vidrep/io/video_reader.h"

#include "vidrep/array.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vidrep {

struct StreamOptions {
  ReaderOptions reader;  // size, stream, threads, strictness
  double start = 0;      // seconds
  double end = -1;       // seconds, exclusive; -1: to the end of the video
  double fps = 0;        // frames per second to give; 0: every frame of the range
  int64_t batch = 16;    // frames per next()
};

struct StreamBatch {
  Array frames;                  // uint8 [N,H,W,3]
  std::vector<int64_t> indices;  // frame numbers in the file
  std::vector<double> times;     // seconds, the frames' own (or the ticks' with fps)
};

class FrameStream {
 public:
  // Opens the video. Throws the reader's errors, InvalidArgument for fps < 0, batch < 1 or a
  // range holding no frame.
  FrameStream(const std::string& path, StreamOptions options = {});

  // The next batch, or nullopt after the last. Throws the reader's DecodeError.
  std::optional<StreamBatch> next();

  int64_t size() const { return static_cast<int64_t>(indices_.size()); }  // frames in all
  int64_t position() const { return next_; }                              // frames given so far
  const VideoReader& reader() const { return reader_; }

 private:
  VideoReader reader_;
  StreamOptions options_;
  std::vector<int64_t> indices_;
  std::vector<double> times_;
  int64_t next_ = 0;
  int64_t last_index_ = -1;  // the previous batch's last frame, kept for a repeat
  Array last_frame_;         // uint8 [1,H,W,3]
};

}  // namespace vidrep
