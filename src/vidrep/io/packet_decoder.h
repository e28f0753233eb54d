// PacketDecoder: one opened libavcodec decoder for one stream, with the send / receive / drain /
// flush protocol of FFmpeg's demux_decode example and counters that let tests prove how much work
// a request cost. Colour conversion lives elsewhere (FrameConverter). Not thread-safe.
#pragma once

#include "vidrep/io/ffmpeg.h"

#include <cstdint>
#include <string>

namespace vidrep::io {

struct DecoderOptions {
  int threads = 0;      // 0: one per hardware core
  bool strict = true;   // report bitstream errors instead of concealing them
  bool skip_loop_filter = false;  // ReaderOptions::skip_loop_filter
};

class PacketDecoder {
 public:
  // Opens the decoder for `st`. Throws OpenError when FFmpeg has no decoder for the codec.
  PacketDecoder(const std::string& path, const AVStream* st, DecoderOptions options);

  AVCodecContext* context() const { return ctx_.get(); }

  // Sends a packet (nullptr starts draining). Returns 0, AVERROR(EAGAIN) when frames must be
  // received first, or another AVERROR for a packet the decoder rejects.
  int send(const AVPacket* pkt);
  // Receives one frame. Returns 0, AVERROR(EAGAIN) when more input is needed, AVERROR_EOF once
  // drained, or another AVERROR.
  int receive(AVFrame* frame);
  // Forgets buffered packets and frames; used after every seek.
  void flush();
  // Lets the decoder skip frames no other frame references (exact and cheaper) for the packets
  // sent next. Frames skipped this way are never output.
  void set_skip_nonref(bool skip);

  int64_t packets_sent() const { return packets_sent_; }
  int64_t frames_decoded() const { return frames_decoded_; }

 private:
  UniqueAVCodecContext ctx_;
  int64_t packets_sent_ = 0;
  int64_t frames_decoded_ = 0;
};

// The timestamp vidrep identifies a decoded frame by: its pts, or FFmpeg's best guess without one.
int64_t frame_timestamp(const AVFrame* frame);

}  // namespace vidrep::io
