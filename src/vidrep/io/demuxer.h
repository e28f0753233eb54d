// Demuxer: an opened media file that yields packets, and nothing else (no decoding). Every
// blocking libavformat call runs under an interrupt deadline, so a stalled or broken input
// returns an error instead of hanging. Not thread-safe: one Demuxer per thread.
#pragma once

#include "vidrep/io/ffmpeg.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace vidrep::io {

struct DemuxerOptions {
  // Longest any single open/read/seek may block before it is abandoned.
  std::chrono::milliseconds io_timeout{30'000};
  // Read from this instead of opening the file (e.g. bytes in memory); the path then only names
  // the input in messages. Not owned: it must outlive the Demuxer.
  AVIOContext* io = nullptr;
  // `path` is a URL (udp://, rtsp://, ...) opened by FFmpeg's protocols rather than a regular
  // file. UDP inputs get a large receive queue whose overrun drops packets instead of failing.
  bool network = false;
};

class Demuxer {
 public:
  // Opens `path` (or options.io) and reads stream info. Throws OpenError (missing, unreadable,
  // not media).
  explicit Demuxer(std::string path, DemuxerOptions options = {});
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  // --- metadata ---
  const std::string& path() const { return path_; }
  AVFormatContext* format() const { return fmt_.get(); }
  AVStream* stream(int index) const;
  // The stream of `type` to use: `wanted` if >= 0 (checked), else FFmpeg's best. Throws OpenError
  // naming the file when there is none.
  int select_stream(AVMediaType type, int wanted) const;

  // --- packets ---
  // Reads the next packet of `stream_index` (or of any stream for -1) into `pkt`, replacing its
  // contents. Returns false at end of file. Throws DecodeError for read errors other than EOF.
  bool read(AVPacket* pkt, int stream_index);
  // Positions the demuxer at or before `ts` (in the stream's time base) of `stream_index`; where
  // the demuxer cannot seek, at the start of the file (reopen()).
  void seek(int stream_index, int64_t ts);
  // Opens the input again, positioned at its very start: exact in every demuxer, including those
  // that cannot seek back to their first packet (Matroska without cues). AVStream pointers taken
  // before are invalid afterwards; stream indices stay.
  void reopen();

  // --- raw bytes (for container checks libavformat does not expose) ---
  // The input's size in bytes, or -1 when unknown.
  int64_t size() const;
  // Up to `n` bytes at `offset`, leaving the demuxer's position as it was. Fewer at the end.
  std::string read_bytes(int64_t offset, int n);

  // --- counters (for tests and benchmarks) ---
  int64_t packets_read() const { return packets_read_; }
  int64_t seeks() const { return seeks_; }

 private:
  void open();

  std::string path_;
  InterruptDeadline deadline_;
  AVIOContext* io_ = nullptr;  // custom input (not owned), or null for the file at path_
  bool network_ = false;
  UniqueAVFormatInput fmt_;
  int64_t packets_read_ = 0;
  int64_t seeks_ = 0;
};

}  // namespace vidrep::io
