#include "vidrep/io/packet_decoder.h"

#include "vidrep/error.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

namespace vidrep::io {

PacketDecoder::PacketDecoder(const std::string& path, const AVStream* st, DecoderOptions options) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (codec == nullptr) {
    throw OpenError(fmt::format("{}: stream {}: no decoder for codec {}", path, st->index,
                                avcodec_get_name(st->codecpar->codec_id)));
  }
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  int ret = avcodec_parameters_to_context(ctx_.get(), st->codecpar);
  if (ret < 0) {
    throw OpenError(fmt::format("{}: stream {}: bad codec parameters: {}", path, st->index,
                                av_error_text(ret)));
  }
  ctx_->pkt_timebase = st->time_base;
  ctx_->thread_count = options.threads > 0 ? options.threads : hardware_threads();
  ctx_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (options.strict) ctx_->err_recognition |= AV_EF_EXPLODE;
  if (options.skip_loop_filter) ctx_->skip_loop_filter = AVDISCARD_ALL;
  ret = avcodec_open2(ctx_.get(), codec, nullptr);
  if (ret < 0) {
    throw OpenError(fmt::format("{}: stream {}: cannot open {} decoder: {}", path, st->index,
                                codec->name, av_error_text(ret)));
  }
}

int PacketDecoder::send(const AVPacket* pkt) {
  const int ret = avcodec_send_packet(ctx_.get(), pkt);
  if (ret == 0 && pkt != nullptr) ++packets_sent_;
  return ret;
}

int PacketDecoder::receive(AVFrame* frame) {
  const int ret = avcodec_receive_frame(ctx_.get(), frame);
  if (ret == 0) ++frames_decoded_;
  return ret;
}

void PacketDecoder::flush() { avcodec_flush_buffers(ctx_.get()); }

void PacketDecoder::set_skip_nonref(bool skip) {
  ctx_->skip_frame = skip ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
}

int64_t frame_timestamp(const AVFrame* frame) {
  return frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp;
}

}  // namespace vidrep::io
