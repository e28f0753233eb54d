// LiveReader: a video read front to back as it arrives, for live analysis (`vidrep watch`): a file,
// or a network stream FFmpeg opens (udp://, rtp://, rtsp://, http(s)://, srt://, tcp://, rtmp://).
// Unlike VideoReader it never indexes or seeks (a live stream has no start to return to and no
// end), gives each decoded frame at a chosen size with its time, and keeps the last seconds of
// compressed video so that an evidence clip with pre-roll is written without re-encoding
// (record()). A read that waits longer than the timeout throws DecodeError: the stream dropped,
// and the caller reconnects with a new LiveReader. Damaged packets are concealed, not errors (a
// live stream loses packets). Not thread-safe.
//
//   io::LiveReader in("udp://127.0.0.1:5000", {.short_side = 240, .keep_seconds = 3});
//   io::LiveFrame f;
//   while (in.next(f)) {
//     analyse(f.rgb, f.width, f.height, f.time);
//     if (alarm) in.record("alerts/a1.mp4", f.time - 3, f.time + 3);   // written as the video arrives
//   }
//   in.close();   // finishes the clips still recording
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace vidrep::io {

struct LiveOptions {
  int short_side = 0;  // the frames' shorter side (the longer one in proportion); 0: the stream's size
  int threads = 0;     // decoder threads; 0: one per core
  std::chrono::milliseconds timeout{5000};  // longest wait for data before the stream counts as dropped
  double keep_seconds = 0;  // compressed video kept for record(): from a key frame at least this old
};

struct LiveFrame {
  const uint8_t* rgb = nullptr;  // height x width x 3 packed, valid until the next call
  int width = 0, height = 0;
  double time = 0;     // seconds from the input's start (its timestamps)
  int64_t index = 0;   // frames given before this one
};

class LiveReader {
 public:
  // Opens `source` (a file path or a URL) and its best video stream. Throws OpenError (nothing
  // there, not media, no video, no data within the timeout), InvalidArgument for bad options.
  LiveReader(const std::string& source, LiveOptions options = {});
  ~LiveReader();  // closes what is recording, quietly (a clip that fails is not left half-written)
  LiveReader(const LiveReader&) = delete;
  LiveReader& operator=(const LiveReader&) = delete;

  // Decodes the next frame into `frame`; false at the end of the input. Throws DecodeError when
  // the input fails or stalls past the timeout.
  bool next(LiveFrame& frame);

  // An evidence clip: the kept video from the last key frame at or before `from`, then every
  // packet read until one past `to` (or close()). Written as mp4 (or, for a codec mp4 cannot
  // hold, as .mkv beside it) through a temporary name; returns the path it will have.
  std::string record(const std::string& path, double from, double to);
  // Finishes every clip still recording with what it has. Throws WriteError.
  void close();

  // Whether `source` names a network stream rather than a file.
  static bool is_url(const std::string& source);
  const std::string& source() const;
  int width() const;  // of the frames given
  int height() const;
  int native_width() const;
  int native_height() const;
  double fps() const;  // the stream's nominal rate; 0 when unknown

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep::io
