// The decoding and encoding halves of a cut (io/cut.h): a range of an input's frames decoded as
// libav frames (no colour conversion), and libx264 encoding them again at the input's own time
// stamps, either as a clip's own stream or as spliceable pieces of a copied H.264 stream.
#pragma once

#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/packet_decoder.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace vidrep::io {

class Demuxer;
class FrameIndex;

// Decodes frames first..last (presentation order, inclusive) of one video stream, from the key
// frame before them (or an earlier one where that does not decode on its own). A range starting
// right after the last one decoded continues from there, without seeking back: consecutive clips
// cost one decode. The demuxer must then be the decoder's own (one that nothing else reads).
class RangeDecoder {
 public:
  RangeDecoder(Demuxer& demuxer, int stream, const FrameIndex& index, int threads);
  const AVCodecContext* context() const { return decoder_.context(); }
  int64_t frames_decoded() const { return decoder_.frames_decoded(); }  // in all, for tests
  // Calls `take(frame, i)` for each frame i in order. Throws DecodeError when one is missing.
  void decode(int64_t first, int64_t last, const std::function<void(AVFrame*, int64_t)>& take);
  // Whether frame `frame` (a key frame) decodes without errors on its own, after `prefix`
  // packet bytes (parameter sets) sent with it.
  bool decodes_alone(int64_t frame, const std::string& prefix);

 private:
  void start(int64_t first, int64_t key);
  void run(int64_t last, const std::function<void(AVFrame*, int64_t)>& take);
  bool key_decodes_alone(int64_t key, const std::string& prefix);

  Demuxer& demuxer_;
  int stream_;
  const FrameIndex& index_;
  PacketDecoder decoder_;
  std::map<std::pair<int64_t, std::string>, bool> alone_;  // (key, prefix) -> decodes alone
  // Where the last run stopped: the next frame it would give, and the packet it held.
  bool continuable_ = false;
  bool by_count_ = false;        // frames known by their count from the start (decode-order streams)
  int64_t next_ = 0, counted_ = 0;
  UniqueAVPacket pkt_ = make_packet();
  bool have_packet_ = false, input_done_ = false;
  UniqueAVFrame frame_ = make_frame();
};

// Puts `bytes` in front of the packet's data (keeping its timestamps and flags).
void prepend_bytes(AVPacket* pkt, const std::string& bytes);

// A stream's frame rate for an encoder's rate control: its average, else its base rate.
AVRational stream_frame_rate(const AVStream* st);

// Whether libx264 can take `fmt` at width x height as it is (4:2:0 needs even sizes).
bool x264_takes(AVPixelFormat fmt, int width, int height);

struct ClipEncoderOptions {
  int crf = 16;
  std::string preset = "fast";
  int threads = 0;
  // Spliceable: no B-frames and parameter sets in every key packet (no global header), so the
  // packets can sit between copied ones of an H.264 stream.
  bool splice = false;
  bool global_header = false;  // the muxer wants parameter sets in extradata (not with splice)
};

// libx264 for frames like `like` (size, pixel format, colour description), timestamps in
// `time_base`.
class ClipEncoder {
 public:
  ClipEncoder(const std::string& path, const AVFrame* like, AVRational time_base, AVRational frame_rate,
              const ClipEncoderOptions& options);
  const AVCodecContext* context() const { return ctx_.get(); }
  // Encodes `frame` (the decoder's, converted when libx264 cannot take its format) at `pts`, then
  // hands every packet ready to `emit`.
  void encode(const AVFrame* frame, int64_t pts, const std::function<void(AVPacket*)>& emit);
  void finish(const std::function<void(AVPacket*)>& emit);

 private:
  void send(const AVFrame* frame, const std::function<void(AVPacket*)>& emit);

  std::string path_;
  UniqueAVCodecContext ctx_;
  UniqueSwsContext sws_;  // when libx264 cannot take the decoder's frames as they are
  UniqueAVFrame staged_, converted_;
  UniqueAVPacket pkt_ = make_packet();
};

}  // namespace vidrep::io
