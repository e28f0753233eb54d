// Transcoding a range of an input's frames: decoded in order (bounded memory, whatever the
// length), passed through an optional frame filter, re-encoded with libx264 at their own
// timestamps (shifted so the first frame is at 0, or kept as they are), the audio packets of the
// same span copied beside them (io/audio_copy.h). `vidrep cut` re-encodes clips with it, `vidrep enhance` whole
// files through its filters.
//
//   io::TranscodeResult r = io::transcode(demuxer, video, index, 0, index.size() - 1, mux, {});
#pragma once

#include "vidrep/io/ffmpeg.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vidrep::io {

class Demuxer;
class FrameIndex;
class Muxer;
class RangeDecoder;

// Takes decoded frames (pts already on the output's clock) and hands frames on, in order,
// perhaps later (a temporal filter) and perhaps in another pixel format; each keeps its pts.
class FrameFilter {
 public:
  virtual ~FrameFilter() = default;
  virtual void push(AVFrame* frame, const std::function<void(AVFrame*)>& emit) = 0;
  virtual void finish(const std::function<void(AVFrame*)>& emit) { (void)emit; }
};

struct TranscodeOptions {
  int crf = 16;                 // libx264 quality (0: lossless)
  std::string preset = "fast";  // libx264 preset
  int threads = 0;              // decoder/encoder threads; 0: one per core
  bool audio = true;            // copy the audio streams
  bool keep_times = false;      // frame times as in the input (else the first frame is at 0)
  FrameFilter* filter = nullptr;
  // Decodes with this (on the same stream and index, and its own demuxer), continuing where it
  // stopped when the range follows its last one; null: a decoder of its own.
  RangeDecoder* decoder = nullptr;
};

struct TranscodeResult {
  int64_t frames = 0, audio_packets = 0;
  std::vector<std::string> notes;  // audio streams left out
};

// The pts at which frame `last`'s display ends: the next frame's, or its own plus its duration.
int64_t end_pts(const FrameIndex& index, int64_t last);

// Transcodes frames first..last of stream `video` into `mux` (no stream added yet; closed at the
// end). Throws DecodeError / WriteError.
TranscodeResult transcode(Demuxer& demuxer, int video, const FrameIndex& index, int64_t first, int64_t last, Muxer& mux,
                          const TranscodeOptions& options);

}  // namespace vidrep::io
