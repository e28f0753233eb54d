// The one place libav types meet C++: owning pointer aliases for every FFmpeg object vidrep
// holds, FFmpeg error text, and the interrupt deadline that keeps a broken input from hanging a
// reader. Only files under io/ include this header; the public API never exposes libav types.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <chrono>
#include <memory>
#include <string>

namespace vidrep::io {

// The largest picture side vidrep reads or writes (FFmpeg's own limit is larger, but a side
// beyond this is a corrupt header or a mistake, and a frame of it would be gigabytes).
constexpr int kMaxSide = 16384;

struct FormatInputDeleter {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct FormatOutputDeleter {
  void operator()(AVFormatContext* p) const;  // closes the AVIO handle too
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
struct SwrDeleter {
  void operator()(SwrContext* p) const { swr_free(&p); }
};

using UniqueAVFormatInput = std::unique_ptr<AVFormatContext, FormatInputDeleter>;
using UniqueAVFormatOutput = std::unique_ptr<AVFormatContext, FormatOutputDeleter>;
using UniqueAVCodecContext = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using UniqueAVFrame = std::unique_ptr<AVFrame, FrameDeleter>;
using UniqueAVPacket = std::unique_ptr<AVPacket, PacketDeleter>;
using UniqueSwsContext = std::unique_ptr<SwsContext, SwsDeleter>;
using UniqueSwrContext = std::unique_ptr<SwrContext, SwrDeleter>;

// Memory from av_malloc (aligned for FFmpeg's SIMD code).
struct AvFreeDeleter {
  void operator()(uint8_t* p) const { av_free(p); }
};
using UniqueAVMemory = std::unique_ptr<uint8_t, AvFreeDeleter>;

// A buffer swscale may read or write for `height` rows of `row_bytes`: each row starts 64-byte
// aligned with at least 64 bytes of slack after it, and two spare rows follow the last. Every
// image vidrep hands to swscale (the reader's RGB output, the writer's RGB input) is laid out so,
// since swscale's SIMD code may read and write whole blocks past the end of a row.
struct SwsImage {
  int64_t stride = 0;
  UniqueAVMemory data;
  int64_t bytes = 0;
  // Makes room for `height` rows of `row_bytes` (reusing the buffer when it is large enough).
  void reserve(int64_t row_bytes, int height);
};

struct AudioFifoDeleter {
  void operator()(AVAudioFifo* p) const { av_audio_fifo_free(p); }
};
using UniqueAVAudioFifo = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// Allocate or throw std::bad_alloc; never returns null.
UniqueAVFrame make_frame();
UniqueAVPacket make_packet();

// FFmpeg's own text for an AVERROR code.
std::string av_error_text(int code);

// A deadline checked by libavformat's interrupt callback: any blocking call made while the
// deadline has passed returns AVERROR_EXIT instead of waiting. Re-armed before each operation.
class InterruptDeadline {
 public:
  explicit InterruptDeadline(std::chrono::milliseconds budget) : budget_(budget) { arm(); }
  void arm() { arm(budget_); }
  void arm(std::chrono::milliseconds budget) { deadline_ = std::chrono::steady_clock::now() + budget; }
  bool expired() const { return std::chrono::steady_clock::now() > deadline_; }
  std::chrono::milliseconds budget() const { return budget_; }
  // Installs this deadline as `ctx`'s interrupt callback; `this` must outlive ctx.
  void install(AVFormatContext* ctx);

 private:
  std::chrono::milliseconds budget_;
  std::chrono::steady_clock::time_point deadline_;
};

// Seconds of a timestamp in `tb`; NaN for AV_NOPTS_VALUE.
double to_seconds(int64_t ts, AVRational tb);

// Clockwise rotation in degrees (0, 90, 180 or 270) that the stream's display matrix asks for.
int stream_rotation(const AVStream* st);

// Silences libav's own logging below errors once per process (vidrep reports errors itself).
void quiet_libav_logging();

}  // namespace vidrep::io
