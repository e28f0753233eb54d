#include "vidrep/io/muxer.h"

#include "vidrep/error.h"

#include <fmt/format.h>

namespace vidrep::io {

Muxer::Muxer(const std::string& path, const std::string& format) : path_(path), out_(path) {
  quiet_libav_logging();
  AVFormatContext* raw = nullptr;
  const int ret = avformat_alloc_output_context2(&raw, nullptr, format.empty() ? nullptr : format.c_str(),
                                                 out_.temp_path().c_str());
  if (ret < 0 || raw == nullptr) {
    if (format.empty()) throw InvalidArgument(fmt::format("{}: no container for this file name's extension", path));
    throw WriteError(fmt::format("{}: cannot create a {} muxer: {}", path, format, av_error_text(ret)));
  }
  fmt_.reset(raw);
}

void Muxer::fail(const std::string& what, int code) const {
  throw WriteError(fmt::format("{}: {}: {}", path_, what, av_error_text(code)));
}

AVStream* Muxer::add_stream(const AVCodecContext* encoder) {
  AVStream* st = avformat_new_stream(fmt_.get(), nullptr);
  if (st == nullptr) throw std::bad_alloc();
  const int ret = avcodec_parameters_from_context(st->codecpar, encoder);
  if (ret < 0) fail("stream parameters", ret);
  st->time_base = encoder->time_base;
  if (encoder->codec_type == AVMEDIA_TYPE_VIDEO) st->avg_frame_rate = encoder->framerate;
  return st;
}

AVStream* Muxer::add_copy(const AVStream* input) {
  if (avformat_query_codec(fmt_->oformat, input->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
    throw InvalidArgument(fmt::format("{}: a {} file cannot hold {} without re-encoding", path_,
                                      fmt_->oformat->name, avcodec_get_name(input->codecpar->codec_id)));
  }
  AVStream* st = avformat_new_stream(fmt_.get(), nullptr);
  if (st == nullptr) throw std::bad_alloc();
  const int ret = avcodec_parameters_copy(st->codecpar, input->codecpar);
  if (ret < 0) fail("stream parameters", ret);
  st->codecpar->codec_tag = 0;  // the input container's tag may mean nothing in this one
  st->time_base = input->time_base;
  st->avg_frame_rate = input->avg_frame_rate;
  st->sample_aspect_ratio = input->sample_aspect_ratio;
  av_dict_copy(&st->metadata, input->metadata, 0);
  return st;
}

void Muxer::start() {
  if (started_) return;
  if (!(fmt_->oformat->flags & AVFMT_NOFILE)) {
    const int ret = avio_open(&fmt_->pb, out_.temp_path().c_str(), AVIO_FLAG_WRITE);
    if (ret < 0) fail("cannot create file", ret);
  }
  const int ret = avformat_write_header(fmt_.get(), nullptr);
  if (ret < 0) fail("cannot write the header", ret);
  started_ = true;
}

void Muxer::write(AVPacket* pkt, AVStream* stream, AVRational time_base) {
  av_packet_rescale_ts(pkt, time_base, stream->time_base);
  pkt->stream_index = stream->index;
  pkt->pos = -1;
  const int ret = av_interleaved_write_frame(fmt_.get(), pkt);
  if (ret < 0) fail(fmt::format("cannot write a packet of stream {}", stream->index), ret);
}

void Muxer::close() {
  if (closed_) return;
  start();
  int ret = av_write_trailer(fmt_.get());
  if (ret < 0) fail("cannot finish the file", ret);
  if (!(fmt_->oformat->flags & AVFMT_NOFILE)) {
    ret = avio_closep(&fmt_->pb);
    if (ret < 0) fail("cannot close the file", ret);
  }
  fmt_.reset();
  out_.commit();
  closed_ = true;
}

}  // namespace vidrep::io
