#include "vidrep/io/cut_codec.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

#include <cstring>

namespace vidrep::io {

RangeDecoder::RangeDecoder(Demuxer& demuxer, int stream, const FrameIndex& index, int threads)
    : demuxer_(demuxer),
      stream_(stream),
      index_(index),
      decoder_(demuxer.path(), demuxer.stream(stream), {.threads = threads, .strict = false}) {}

void RangeDecoder::decode(int64_t first, int64_t last, const std::function<void(AVFrame*, int64_t)>& take) {
  if (!(continuable_ && first == next_)) {
    int64_t k = -1;
    if (!index_.decode_order()) {
      // A key frame that does not decode on its own (some streams' IDR pictures do not, for the
      // ffmpeg CLI either) is no start: decoding starts from the key frame before.
      k = index_[first].key;
      while (k > 0 && !key_decodes_alone(k, "")) --k;
    }
    start(first, k);
  }
  run(last, take);
}

bool RangeDecoder::key_decodes_alone(int64_t key, const std::string& prefix) {
  const auto cached = alone_.find({key, prefix});
  if (cached != alone_.end()) return cached->second;
  UniqueAVPacket pkt = make_packet();
  continuable_ = false;  // the demuxer moves
  bool clean = seek_to_key(demuxer_, stream_, index_, index_.keys()[static_cast<size_t>(key)], pkt.get());
  if (clean) {
    prepend_bytes(pkt.get(), prefix);
    PacketDecoder fresh(demuxer_.path(), demuxer_.stream(stream_), {.threads = 1, .strict = true});
    clean = fresh.send(pkt.get()) >= 0;
    fresh.send(nullptr);
    UniqueAVFrame out = make_frame();
    int ret = 0, frames = 0;
    while (clean && (ret = fresh.receive(out.get())) == 0) {
      ++frames;
      clean = out->decode_error_flags == 0 && !(out->flags & AV_FRAME_FLAG_CORRUPT);
    }
    clean = clean && frames == 1 && ret == AVERROR_EOF;
  }
  alone_[{key, prefix}] = clean;
  return clean;
}

bool RangeDecoder::decodes_alone(int64_t frame, const std::string& prefix) {
  return key_decodes_alone(index_[frame].key, prefix);
}

// Positions decoding at key packet `key` (-1: counting frames from the start of the file), to
// give frames from `first` on.
void RangeDecoder::start(int64_t first, int64_t key) {
  continuable_ = false;
  decoder_.flush();
  by_count_ = key < 0;
  next_ = first;
  counted_ = 0;
  input_done_ = false;
  if (by_count_) {
    demuxer_.reopen();
  } else if (!seek_to_key(demuxer_, stream_, index_, index_.keys()[static_cast<size_t>(key)], pkt_.get())) {
    throw DecodeError(fmt::format("{}: stream {}: cannot find the key frame of frame {}", demuxer_.path(), stream_, first));
  }
  have_packet_ = !by_count_;
}

void RangeDecoder::run(int64_t last, const std::function<void(AVFrame*, int64_t)>& take) {
  AVFrame* frame = frame_.get();
  const auto drain = [&] {
    int ret = 0;
    while (next_ <= last && (ret = decoder_.receive(frame)) == 0) {
      int64_t i = counted_++;
      if (!by_count_) {
        const int64_t ts = frame_timestamp(frame);
        i = ts == AV_NOPTS_VALUE ? -1 : index_.displayed_at(ts);
        if (i < 0 || index_[i].pts != ts) continue;  // not a frame of the index (e.g. discarded)
      }
      if (i == next_) {
        take(frame, i);
        ++next_;
      }
    }
    return ret;
  };
  while (next_ <= last) {
    if (!input_done_ && !have_packet_) {
      have_packet_ = demuxer_.read(pkt_.get(), stream_);
      if (!have_packet_) {
        input_done_ = true;
        decoder_.send(nullptr);
      }
    }
    if (have_packet_) {
      const int sent = decoder_.send(pkt_.get());
      if (sent == AVERROR(EAGAIN)) {
        drain();
        continue;
      }
      // A packet the decoder rejects is skipped (its frame is missing and reported below).
      have_packet_ = false;
      av_packet_unref(pkt_.get());
    }
    const int ret = drain();
    if (input_done_ && ret < 0) break;
  }
  if (next_ <= last) {
    continuable_ = false;
    throw DecodeError(fmt::format("{}: stream {}: frame {} could not be decoded", demuxer_.path(), stream_, next_));
  }
  continuable_ = true;
}

void prepend_bytes(AVPacket* pkt, const std::string& bytes) {
  if (bytes.empty()) return;
  UniqueAVPacket joined = make_packet();
  if (av_new_packet(joined.get(), static_cast<int>(bytes.size()) + pkt->size) < 0) throw std::bad_alloc();
  std::memcpy(joined->data, bytes.data(), bytes.size());
  if (pkt->size > 0) std::memcpy(joined->data + bytes.size(), pkt->data, static_cast<size_t>(pkt->size));
  if (av_packet_copy_props(joined.get(), pkt) < 0) throw std::bad_alloc();
  av_packet_unref(pkt);
  av_packet_move_ref(pkt, joined.get());
}

namespace {

const AVCodec* x264() {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  return codec != nullptr ? codec : avcodec_find_encoder(AV_CODEC_ID_H264);
}

bool is_420(AVPixelFormat fmt) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  return d != nullptr && d->log2_chroma_w == 1 && d->log2_chroma_h == 1;
}

}  // namespace

AVRational stream_frame_rate(const AVStream* st) {
  if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) return st->avg_frame_rate;
  return st->r_frame_rate;
}

bool x264_takes(AVPixelFormat fmt, int width, int height) {
  const AVCodec* codec = x264();
  if (codec == nullptr || codec->pix_fmts == nullptr) return false;
  if (is_420(fmt) && (width % 2 != 0 || height % 2 != 0)) return false;
  for (const AVPixelFormat* p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; ++p) {
    if (*p == fmt) return true;
  }
  return false;
}

ClipEncoder::ClipEncoder(const std::string& path, const AVFrame* like, AVRational time_base, AVRational frame_rate,
                         const ClipEncoderOptions& o)
    : path_(path) {
  const AVCodec* codec = x264();
  if (codec == nullptr) throw WriteError(fmt::format("{}: this FFmpeg build has no H.264 encoder", path));
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  const auto fmt_in = static_cast<AVPixelFormat>(like->format);
  const bool odd = like->width % 2 != 0 || like->height % 2 != 0;
  ctx_->pix_fmt = x264_takes(fmt_in, like->width, like->height) ? fmt_in
                  : odd                                          ? AV_PIX_FMT_YUV444P
                                                                 : AV_PIX_FMT_YUV420P;
  ctx_->width = like->width;
  ctx_->height = like->height;
  ctx_->time_base = time_base;
  if (frame_rate.num > 0 && frame_rate.den > 0) ctx_->framerate = frame_rate;
  ctx_->sample_aspect_ratio = like->sample_aspect_ratio;
  ctx_->colorspace = like->colorspace;
  ctx_->color_range = like->color_range;
  ctx_->color_primaries = like->color_primaries;
  ctx_->color_trc = like->color_trc;
  ctx_->chroma_sample_location = like->chroma_location;
  ctx_->thread_count = o.threads > 0 ? o.threads : hardware_threads();
  if (o.splice) {
    ctx_->max_b_frames = 0;
    ctx_->gop_size = 1 << 20;  // one key frame, the first: the piece is never longer than a GOP
  } else if (o.global_header) {
    ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  }
  void* priv = ctx_->priv_data;
  av_opt_set(priv, "preset", o.preset.c_str(), 0);
  av_opt_set_int(priv, "crf", o.crf, 0);
  const int ret = avcodec_open2(ctx_.get(), codec, nullptr);
  if (ret < 0) {
    throw WriteError(fmt::format("{}: cannot open {} for {}x{} {}: {}", path, codec->name, ctx_->width, ctx_->height,
                                 av_get_pix_fmt_name(ctx_->pix_fmt), av_error_text(ret)));
  }
  staged_ = make_frame();
}

void ClipEncoder::send(const AVFrame* frame, const std::function<void(AVPacket*)>& emit) {
  int ret = avcodec_send_frame(ctx_.get(), frame);
  if (ret < 0) throw WriteError(fmt::format("{}: cannot encode video: {}", path_, av_error_text(ret)));
  while ((ret = avcodec_receive_packet(ctx_.get(), pkt_.get())) == 0) {
    emit(pkt_.get());
    av_packet_unref(pkt_.get());
  }
  if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) {
    throw WriteError(fmt::format("{}: cannot encode video: {}", path_, av_error_text(ret)));
  }
}

void ClipEncoder::encode(const AVFrame* frame, int64_t pts, const std::function<void(AVPacket*)>& emit) {
  const auto fmt_in = static_cast<AVPixelFormat>(frame->format);
  if (fmt_in == ctx_->pix_fmt && frame->width == ctx_->width && frame->height == ctx_->height) {
    av_frame_unref(staged_.get());
    if (av_frame_ref(staged_.get(), frame) < 0) throw std::bad_alloc();
  } else {
    // The decoder's format libx264 cannot take, or a size change mid-stream: converted.
    sws_.reset(sws_getCachedContext(sws_.release(), frame->width, frame->height, fmt_in, ctx_->width, ctx_->height,
                                    ctx_->pix_fmt, SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!sws_) throw WriteError(fmt::format("{}: no {} -> {} conversion", path_, av_get_pix_fmt_name(fmt_in),
                                            av_get_pix_fmt_name(ctx_->pix_fmt)));
    if (!converted_) {
      converted_ = make_frame();
      converted_->format = ctx_->pix_fmt;
      converted_->width = ctx_->width;
      converted_->height = ctx_->height;
      if (av_frame_get_buffer(converted_.get(), 64) < 0) throw std::bad_alloc();
    }
    if (av_frame_make_writable(converted_.get()) < 0) throw std::bad_alloc();
    sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, converted_->data, converted_->linesize);
    av_frame_unref(staged_.get());
    if (av_frame_ref(staged_.get(), converted_.get()) < 0) throw std::bad_alloc();
  }
  staged_->pts = pts;
  staged_->pict_type = AV_PICTURE_TYPE_NONE;  // the decoder's picture types mean nothing here
  staged_->key_frame = 0;
  send(staged_.get(), emit);
  av_frame_unref(staged_.get());
}

void ClipEncoder::finish(const std::function<void(AVPacket*)>& emit) { send(nullptr, emit); }

}  // namespace vidrep::io
