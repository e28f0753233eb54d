// VideoReader: frame-exact random access to one video stream as RGB uint8 arrays (array.h;
// vidrep::to_tensor in tensor.h makes them tensors without a copy).
//
//   vidrep::VideoReader reader("clip.mp4", {.width = 112, .height = 112});
//   vidrep::Array x = reader.read_frames({0, 10, 20});   // [3,112,112,3] uint8
//   vidrep::Array y = reader.read_frames_at({1.5});      // the frame on screen at 1.5 s
//
// Frames are numbered in presentation order by a packet-scan FrameIndex built at construction.
// A request is sorted and deduplicated; decoding starts at the nearest key frame before each
// target, never seeks while the next target lies ahead in the GOP being decoded, decodes each frame
// at most once, and (optionally) lets the decoder skip non-reference frames that are not targets.
// Not thread-safe: use one reader per thread.
#pragma once

#include "vidrep/array.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vidrep {

namespace io {
class FrameIndexCache;
}

struct ReaderOptions {
  int stream = -1;          // video stream index; -1 picks FFmpeg's best
  int width = 0;            // output size in display orientation; 0 keeps the native size
  int height = 0;           //   (one of them 0: derived from the other, keeping the aspect)
  int short_side = 0;       // when width and height are 0: scale so the shorter side is this
  bool autorotate = true;   // apply the container's rotation so frames are upright
  int threads = 0;          // decoder threads; 0 = one per core
  bool skip_nonref = true;  // let the decoder skip unreferenced frames that are not requested
  bool strict = true;       // a corrupt frame is an error, not silently concealed
  // Skip the in-loop deblocking filter (H.264, HEVC, ...): about 30 % less decoding time, and
  // frames that are no longer exact (blocking stays, and drifts within a GOP). For analysis at a
  // small size (curate/analysis.h: 0.3-1.0 levels of mean difference at 64x64 on five real 720p
  // clips), never for frames given to users.
  bool skip_loop_filter = false;
  std::chrono::milliseconds io_timeout{30'000};  // longest a single read may block
  // Largest output one request may allocate; 0 = three quarters of physical memory.
  int64_t max_output_bytes = 0;
  // Frame indexes of files already scanned (io/frame_index_cache.h); null: scan every time.
  io::FrameIndexCache* index_cache = nullptr;
};

// Work done so far by one reader, for tests and benchmarks.
struct DecodeCounters {
  int64_t packets_read = 0;      // demuxed after the index scan (any stream)
  int64_t packets_sent = 0;      // given to the decoder
  int64_t frames_decoded = 0;    // output by the decoder
  int64_t frames_converted = 0;  // converted to RGB
  int64_t seeks = 0;
};

class VideoReader {
 public:
  // Opens the file, selects the stream and scans its packets. Throws OpenError / DecodeError
  // naming the file, or InvalidArgument for impossible options.
  explicit VideoReader(const std::string& path, ReaderOptions options = {});
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  // --- metadata ---
  const std::string& path() const;
  int stream_index() const;
  int64_t num_frames() const;
  int width() const;    // of the returned frames
  int height() const;
  // The stream's own size in display orientation, before any resize.
  int native_width() const;
  int native_height() const;
  // Resizes the frames of later reads to width x height (display orientation). Throws
  // InvalidArgument for a side outside 1..16384.
  void set_output_size(int width, int height);
  int rotation() const;  // clockwise degrees the container asks for (0, 90, 180, 270)
  double fps() const;    // average: frames / duration
  double duration() const;  // seconds from the file's start to the end of the last frame
  double frame_time(int64_t index) const;  // seconds from the file's start
  // The frame on screen at `seconds` from the file's start (the last with time <= seconds;
  // frame 0 before the first). Throws InvalidArgument outside [0, duration).
  int64_t frame_at_time(double seconds) const;

  // --- decoding ---
  // uint8 [N,H,W,3] in request order; repeated indices are decoded once. Throws InvalidArgument
  // for an index outside [0, num_frames) or an output larger than max_output_bytes, and
  // DecodeError naming the frame a decode fails on.
  Array read_frames(const std::vector<int64_t>& indices);
  Array read_frames_at(const std::vector<double>& seconds);
  // Every frame in [begin, end) with the given step.
  Array read_range(int64_t begin, int64_t end, int64_t step = 1);

  DecodeCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep
