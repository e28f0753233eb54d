// VideoWriter: RGB uint8 frames (and optionally float audio) encoded into a new media file.
//
//   vidrep::VideoWriter writer("out.mp4", 64, 48, {.fps = 24, .audio_rate = 16000});
//   writer.write_frames(frames);   // uint8 [N,48,64,3]
//   writer.write_audio(samples);   // float32 [1,S] at 16000 Hz
//   writer.close();                // flushes, then moves the file into place
//
// The extension picks the container and its codecs:
//   .mp4  -> H.264 (libx264, yuv420p, preset veryfast, crf 23) + AAC
//   .webm -> VP9 (libvpx-vp9, realtime, crf 32)               + Opus (48 kHz)
//   .avi  -> MPEG-4 part 2 (qscale 2)                          + PCM s16le
// An odd width or height is encoded as yuv444p where the codec allows it (H.264, VP9).
// Output goes to a temporary name and reaches `path` only in close(): a writer destroyed without
// close(), or one that failed, leaves no file behind. Not thread-safe. Built from the parts a
// later cut reuses: io::Muxer (io/muxer.h), io::VideoEncoder and io::AudioEncoder (io/encoder.h).
#pragma once

#include "vidrep/array.h"

#include <memory>
#include <string>

namespace vidrep {

struct WriterOptions {
  double fps = 30;          // frame rate; fractional rates (29.97) are kept as a rational
  int audio_rate = 0;       // sample rate of the audio given to write_audio; 0: no audio track
  int audio_channels = 1;   // channels of that audio (1..8)
  std::string codec = "";   // video encoder name (e.g. "libx264"); "" picks the container's default
  int crf = -1;             // quality (lower is better): x264/VP9 crf, MPEG-4 qscale; -1: the defaults above
  int threads = 0;          // encoder threads; 0 = one per core
};

class VideoWriter {
 public:
  // Opens the encoders and the (temporary) output. Throws InvalidArgument for an unknown extension,
  // a size the codec cannot encode or a bad option, WriteError when the file cannot be created.
  VideoWriter(const std::string& path, int width, int height, WriterOptions options = {});
  ~VideoWriter();  // without close(): discards the output
  VideoWriter(VideoWriter&&) noexcept;
  VideoWriter& operator=(VideoWriter&&) noexcept;

  // --- metadata ---
  const std::string& path() const;
  int width() const;
  int height() const;
  int64_t frames_written() const;
  int64_t samples_written() const;  // per channel, at audio_rate

  // --- writing ---
  // uint8 [N,H,W,3] or [H,W,3] RGB, H and W as constructed.
  void write_frames(const Array& rgb);
  // float32 [C,S] (or [S] for mono) at options.audio_rate; written in any chunking.
  void write_audio(const Array& samples);
  // Drains the encoders, finishes the file and moves it to `path`. Throws WriteError; a second
  // call does nothing.
  void close();

  // One call: frames uint8 [N,H,W,3] and optional audio float32 [C,S] at `audio_rate` Hz.
  static void write_video(const std::string& path, const Array& frames, double fps, const Array& audio = {},
                          int audio_rate = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep
