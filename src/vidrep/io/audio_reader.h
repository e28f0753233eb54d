// AudioReader: one audio stream of a media file as a float32 [C,S] array, resampled and
// placed on the same clock as VideoReader's frames.
//
//   vidrep::AudioReader reader("clip.mp4", {.sample_rate = 16000, .mono = true, .start = 1.0, .end = 3.0});
//   vidrep::Array x = reader.read();   // [1, 32000] float32; x[0][k] is at 1.0 + k / 16000 s
//
// Time 0 is the container's start time, as for VideoReader. Samples are placed by the decoded
// frames' timestamps: silence fills where the stream starts late or has a gap, and samples before
// `start` (decoder priming, seek pre-roll) are dropped. A read seeks near `start` instead of
// decoding from the beginning, and holds only the requested range in memory.
// Not thread-safe: use one reader per thread.
#pragma once

#include "vidrep/array.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace vidrep {

struct AudioOptions {
  int stream = -1;        // audio stream index; -1 picks FFmpeg's best
  int sample_rate = 0;    // output rate in Hz; 0 keeps the native rate
  bool mono = false;      // downmix to one channel, as `ffmpeg -ac 1` does
  double start = 0;       // seconds from the file's start
  double end = -1;        // exclusive; -1 reads to the end of the stream
  bool strict = true;     // damaged data is an error; false drops it and leaves silence
  std::chrono::milliseconds io_timeout{30'000};  // longest a single read may block
};

// Work done so far by one reader, for tests and benchmarks.
struct AudioCounters {
  int64_t packets_read = 0;  // demuxed (any stream)
  int64_t seeks = 0;
};

class AudioReader {
 public:
  // Opens the file and its audio stream. Throws OpenError ("<path>: no audio stream", unreadable
  // file, no decoder) or InvalidArgument naming the option (start < 0, end <= start, bad rate).
  AudioReader(const std::string& path, AudioOptions options = {});
  ~AudioReader();
  AudioReader(AudioReader&&) noexcept;
  AudioReader& operator=(AudioReader&&) noexcept;

  // --- metadata ---
  const std::string& path() const;
  int stream_index() const;
  int sample_rate() const;      // of the returned samples
  int channels() const;         // of the returned samples
  int native_rate() const;      // of the stream
  int native_channels() const;  // of the stream
  double duration() const;      // seconds from the file's start to the end of the stream (0: unknown)

  // --- decoding ---
  // float32 [channels(), S] for [start, end): sample k is at start + k / sample_rate().
  // S = round((end - start) * sample_rate()) when `end` lies within the stream; shorter when the
  // stream ends first. May be called again (it seeks back). Throws DecodeError naming the file
  // and the time a decode fails at, InvalidArgument when `start` lies past the end of the stream.
  Array read();

  AudioCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep
