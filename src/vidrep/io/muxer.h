// Muxer: a media file being written, the output side of Demuxer. Streams come from encoders
// (io/encoder.h) or are copied from an input file's streams (io/stream_copy.h: packets passed
// through without decoding); packets are interleaved by libavformat. Output goes to a temporary
// name beside `path` and reaches `path` only in close(): a muxer destroyed without close(), or
// one that failed, leaves no file behind.
//
//   io::Muxer mux("out.mp4");
//   AVStream* v = mux.add_stream(encoder_context);   // or mux.add_copy(input_stream)
//   mux.start();                                     // the header, once every stream is added
//   mux.write(packet, v, encoder_context->time_base);
//   mux.close();
#pragma once

#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/output_file.h"

#include <string>

namespace vidrep::io {

class Muxer {
 public:
  // `format`: a libavformat muxer name ("mp4"); empty: guessed from the extension (.mp4, .mkv,
  // .webm, .avi, .mov, .ts, ...). Throws InvalidArgument for an extension no muxer takes,
  // WriteError when the file cannot be created.
  explicit Muxer(const std::string& path, const std::string& format = "");
  Muxer(const Muxer&) = delete;
  Muxer& operator=(const Muxer&) = delete;

  const std::string& path() const { return path_; }
  const AVOutputFormat* output_format() const { return fmt_->oformat; }
  // Whether encoders must put their global headers in extradata (AV_CODEC_FLAG_GLOBAL_HEADER).
  bool global_header() const { return (fmt_->oformat->flags & AVFMT_GLOBALHEADER) != 0; }

  // A stream for an opened encoder (its parameters and time base).
  AVStream* add_stream(const AVCodecContext* encoder);
  // A stream with an input stream's codec parameters, for packets copied as they are.
  // InvalidArgument when this container cannot hold that codec.
  AVStream* add_copy(const AVStream* input);

  // Writes the header; call once, after every stream is added.
  void start();
  // Writes one packet of `stream` whose timestamps are in `time_base`; takes the packet's
  // reference. Throws WriteError.
  void write(AVPacket* pkt, AVStream* stream, AVRational time_base);
  // Writes the trailer, closes the file and moves it to path(). Throws WriteError.
  void close();

 private:
  [[noreturn]] void fail(const std::string& what, int code) const;

  std::string path_;
  OutputFile out_;  // before fmt_: destroyed after the muxer has closed the file
  UniqueAVFormatOutput fmt_;
  bool started_ = false;
  bool closed_ = false;
};

}  // namespace vidrep::io
