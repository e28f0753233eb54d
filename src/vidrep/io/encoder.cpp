#include "vidrep/io/encoder.h"

#include "vidrep/error.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace vidrep::io {
namespace {

constexpr int kDefaultVp9Crf = 32;
constexpr int kDefaultQscale = 2;  // MPEG-4 part 2: near-transparent
constexpr int kPcmChunk = 1024;    // samples per frame for encoders that take any size

bool supports_pix_fmt(const AVCodec* codec, AVPixelFormat fmt) {
  if (codec->pix_fmts == nullptr) return fmt == AV_PIX_FMT_YUV420P;
  for (const AVPixelFormat* p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; ++p) {
    if (*p == fmt) return true;
  }
  return false;
}

AVSampleFormat pick_sample_fmt(const AVCodec* codec) {
  if (codec->sample_fmts == nullptr) return AV_SAMPLE_FMT_FLTP;
  for (AVSampleFormat want : {AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT}) {
    for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
      if (*f == want) return want;
    }
  }
  return codec->sample_fmts[0];
}

// The caller's rate when the encoder takes it; else 48 kHz (Opus always works at 48 kHz); else
// the highest it offers.
int pick_sample_rate(const AVCodec* codec, int wanted) {
  if (codec->supported_samplerates == nullptr) return wanted;
  if (codec->id == AV_CODEC_ID_OPUS) return 48'000;
  int best = 0;
  bool has_48k = false;
  for (const int* r = codec->supported_samplerates; *r != 0; ++r) {
    if (*r == wanted) return wanted;
    has_48k = has_48k || *r == 48'000;
    best = std::max(best, *r);
  }
  return has_48k ? 48'000 : best;
}

const AVCodec* find_encoder(const Muxer& mux, const std::string& name, AVMediaType type, bool chosen_by_user) {
  const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
  if (codec == nullptr && type == AVMEDIA_TYPE_AUDIO && name == "libopus") codec = avcodec_find_encoder(AV_CODEC_ID_OPUS);
  if (codec == nullptr || codec->type != type) {
    if (chosen_by_user) {
      throw InvalidArgument(fmt::format("{}: codec: no {} encoder named '{}'", mux.path(), av_get_media_type_string(type), name));
    }
    throw WriteError(fmt::format("{}: this FFmpeg build has no {} encoder", mux.path(), name));
  }
  if (avformat_query_codec(mux.output_format(), codec->id, FF_COMPLIANCE_NORMAL) != 1) {
    throw InvalidArgument(fmt::format("{}: codec: {} cannot be stored in a {} file", mux.path(), name,
                                      mux.output_format()->name));
  }
  return codec;
}

// Sends one frame (nullptr: drain) and writes every packet the encoder has ready.
void encode_into(Muxer& mux, AVCodecContext* ctx, AVStream* st, AVPacket* pkt, const AVFrame* frame, const char* kind) {
  int ret = avcodec_send_frame(ctx, frame);
  if (ret < 0) throw WriteError(fmt::format("{}: cannot encode {}: {}", mux.path(), kind, av_error_text(ret)));
  while ((ret = avcodec_receive_packet(ctx, pkt)) == 0) mux.write(pkt, st, ctx->time_base);
  if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) {
    throw WriteError(fmt::format("{}: cannot encode {}: {}", mux.path(), kind, av_error_text(ret)));
  }
}

}  // namespace

VideoEncoder::VideoEncoder(Muxer& muxer, int width, int height, const WriterOptions& opts,
                           const std::string& default_codec)
    : mux_(muxer), width_(width), height_(height) {
  const std::string& path = mux_.path();
  const bool by_user = !opts.codec.empty();
  const AVCodec* codec = find_encoder(mux_, by_user ? opts.codec : default_codec, AVMEDIA_TYPE_VIDEO, by_user);
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  const bool odd = width % 2 != 0 || height % 2 != 0;
  AVPixelFormat pix_fmt = codec->pix_fmts != nullptr ? codec->pix_fmts[0] : AV_PIX_FMT_YUV420P;
  if (!odd && supports_pix_fmt(codec, AV_PIX_FMT_YUV420P)) {
    pix_fmt = AV_PIX_FMT_YUV420P;
  } else if (supports_pix_fmt(codec, AV_PIX_FMT_YUV444P)) {
    pix_fmt = AV_PIX_FMT_YUV444P;
  } else if (odd) {
    throw InvalidArgument(fmt::format("{}: size: {} needs an even width and height, got {}x{} "
                                      "(.mp4 and .webm accept odd sizes)", path, codec->name, width, height));
  }
  const AVRational rate = av_d2q(opts.fps, 100'000);
  ctx_->width = width;
  ctx_->height = height;
  ctx_->pix_fmt = pix_fmt;
  ctx_->time_base = av_inv_q(rate);
  ctx_->framerate = rate;
  ctx_->sample_aspect_ratio = AVRational{1, 1};
  ctx_->gop_size = std::max(1, static_cast<int>(std::lround(2 * opts.fps)));  // a key frame every 2 s
  ctx_->colorspace = AVCOL_SPC_SMPTE170M;  // what swscale's RGB -> YUV uses
  ctx_->color_range = AVCOL_RANGE_MPEG;
  ctx_->thread_count = opts.threads > 0 ? opts.threads : hardware_threads();
  if (mux_.global_header()) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  void* priv = ctx_->priv_data;
  if (codec->id == AV_CODEC_ID_H264 && av_opt_find(priv, "preset", nullptr, 0, 0)) {
    av_opt_set(priv, "preset", "veryfast", 0);
    // x264's macroblock-tree reads uninitialised memory at tiny frame sizes (the ffmpeg CLI
    // does the same), so the same frames could encode to different bytes; without it they don't.
    if (av_opt_find(priv, "mbtree", nullptr, 0, 0)) av_opt_set_int(priv, "mbtree", 0, 0);
  }
  if (codec->id == AV_CODEC_ID_VP9 && av_opt_find(priv, "deadline", nullptr, 0, 0)) {
    av_opt_set(priv, "deadline", "realtime", 0);
    av_opt_set_int(priv, "cpu-used", 8, 0);
    av_opt_set_int(priv, "row-mt", 1, 0);
    ctx_->bit_rate = 0;  // constant quality: crf alone sets the rate
    av_opt_set_int(priv, "crf", opts.crf >= 0 ? opts.crf : kDefaultVp9Crf, 0);
  } else if (av_opt_find(priv, "crf", nullptr, 0, 0) != nullptr) {
    if (opts.crf >= 0) av_opt_set_int(priv, "crf", opts.crf, 0);
  } else {
    // Encoders without crf (MPEG-4 part 2) take a fixed quantiser instead.
    const int q = opts.crf >= 0 ? std::clamp(opts.crf, 1, 31) : kDefaultQscale;
    ctx_->flags |= AV_CODEC_FLAG_QSCALE;
    ctx_->global_quality = FF_QP2LAMBDA * q;
  }
  const int ret = avcodec_open2(ctx_.get(), codec, nullptr);
  if (ret < 0) {
    throw WriteError(fmt::format("{}: cannot open the {} encoder for {}x{} {}: {}", path, codec->name, width, height,
                                 av_get_pix_fmt_name(ctx_->pix_fmt), av_error_text(ret)));
  }
  stream_ = mux_.add_stream(ctx_.get());

  sws_.reset(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, ctx_->pix_fmt,
                            SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!sws_) throw WriteError(fmt::format("{}: no RGB -> {} conversion", path, av_get_pix_fmt_name(ctx_->pix_fmt)));
  frame_ = make_frame();
  frame_->format = ctx_->pix_fmt;
  frame_->width = width;
  frame_->height = height;
  if (av_frame_get_buffer(frame_.get(), 64) < 0) throw std::bad_alloc();
  staged_.reserve(int64_t{3} * width, height);
}

void VideoEncoder::send(const AVFrame* frame) { encode_into(mux_, ctx_.get(), stream_, pkt_.get(), frame, "video"); }

void VideoEncoder::encode(const uint8_t* rgb) {
  int ret = av_frame_make_writable(frame_.get());
  if (ret < 0) throw WriteError(fmt::format("{}: cannot get a frame buffer: {}", mux_.path(), av_error_text(ret)));
  // Packed rows: swscale reads them from a copy with slack after each row.
  const size_t row = size_t{3} * static_cast<size_t>(width_);
  for (int y = 0; y < height_; ++y) std::memcpy(staged_.data.get() + y * staged_.stride, rgb + y * row, row);
  const uint8_t* src[4] = {staged_.data.get(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {static_cast<int>(staged_.stride), 0, 0, 0};
  const int rows = sws_scale(sws_.get(), src, src_stride, 0, height_, frame_->data, frame_->linesize);
  if (rows != height_) throw WriteError(fmt::format("{}: colour conversion failed", mux_.path()));
  frame_->pts = frames_;
  frame_->quality = ctx_->global_quality;  // how a fixed quantiser reaches MPEG-4 (as the ffmpeg CLI does)
  send(frame_.get());
  ++frames_;
}

void VideoEncoder::finish() { send(nullptr); }

AudioEncoder::AudioEncoder(Muxer& muxer, const WriterOptions& opts, const std::string& codec_name)
    : mux_(muxer), channels_(opts.audio_channels) {
  const std::string& path = mux_.path();
  const AVCodec* codec = find_encoder(mux_, codec_name, AVMEDIA_TYPE_AUDIO, false);
  ctx_.reset(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  ctx_->sample_fmt = pick_sample_fmt(codec);
  ctx_->sample_rate = pick_sample_rate(codec, opts.audio_rate);
  av_channel_layout_default(&ctx_->ch_layout, channels_);
  ctx_->time_base = AVRational{1, ctx_->sample_rate};
  ctx_->bit_rate = 96'000 * channels_;  // ignored by PCM
  ctx_->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;  // FFmpeg's own Opus encoder, if no libopus
  if (mux_.global_header()) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  // FFmpeg's AAC default (twoloop) costs 2-4x the time of the whole video encode at small sizes.
  if (av_opt_find(ctx_->priv_data, "aac_coder", nullptr, 0, 0)) av_opt_set(ctx_->priv_data, "aac_coder", "fast", 0);
  int ret = avcodec_open2(ctx_.get(), codec, nullptr);
  if (ret < 0) {
    throw WriteError(fmt::format("{}: cannot open the {} encoder for {} channels at {} Hz: {}", path, codec->name,
                                 channels_, ctx_->sample_rate, av_error_text(ret)));
  }
  const bool any_size = ctx_->frame_size <= 0 || (codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
  frame_size_ = any_size ? kPcmChunk : ctx_->frame_size;
  stream_ = mux_.add_stream(ctx_.get());

  AVChannelLayout in_layout{};
  av_channel_layout_default(&in_layout, channels_);
  SwrContext* raw = nullptr;
  ret = swr_alloc_set_opts2(&raw, &ctx_->ch_layout, ctx_->sample_fmt, ctx_->sample_rate, &in_layout,
                            AV_SAMPLE_FMT_FLTP, opts.audio_rate, 0, nullptr);
  swr_.reset(raw);
  if (ret >= 0) ret = swr_init(swr_.get());
  if (ret < 0) throw WriteError(fmt::format("{}: cannot set up audio conversion: {}", path, av_error_text(ret)));
  fifo_.reset(av_audio_fifo_alloc(ctx_->sample_fmt, channels_, frame_size_));
  if (!fifo_) throw std::bad_alloc();
}

void AudioEncoder::send(const AVFrame* frame) { encode_into(mux_, ctx_.get(), stream_, pkt_.get(), frame, "audio"); }

void AudioEncoder::encode(const float* const* planes, int n) {
  resample_into_fifo(reinterpret_cast<const uint8_t* const*>(planes), n);
  samples_in_ += n;
  drain_fifo(false);
}

void AudioEncoder::finish() {
  resample_into_fifo(nullptr, 0);
  drain_fifo(true);
  send(nullptr);
}

// Converts `n` samples (nullptr: the resampler's tail) to the encoder's format, into the FIFO.
void AudioEncoder::resample_into_fifo(const uint8_t* const* in, int n) {
  const int cap = swr_get_out_samples(swr_.get(), n);
  if (cap <= 0) return;
  uint8_t** buf = nullptr;
  int ret = av_samples_alloc_array_and_samples(&buf, nullptr, channels_, cap, ctx_->sample_fmt, 0);
  if (ret < 0) throw std::bad_alloc();
  const int got = swr_convert(swr_.get(), buf, cap, const_cast<const uint8_t**>(in), n);
  ret = got < 0 ? got : av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(buf), got);
  av_freep(&buf[0]);
  av_freep(&buf);
  if (ret < 0) throw WriteError(fmt::format("{}: cannot convert audio: {}", mux_.path(), av_error_text(ret)));
}

// Encodes whole frames from the FIFO; with `final`, the rest too (padded when the encoder
// insists on full frames).
void AudioEncoder::drain_fifo(bool final) {
  for (;;) {
    const int have = av_audio_fifo_size(fifo_.get());
    if (have == 0 || (have < frame_size_ && !final)) return;
    const int n = std::min(have, frame_size_);
    const bool small_ok = ctx_->frame_size <= 0 ||
                          (ctx_->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE));
    UniqueAVFrame f = make_frame();  // fresh each time: the encoder may keep a reference
    f->nb_samples = small_ok ? n : frame_size_;
    f->format = ctx_->sample_fmt;
    f->sample_rate = ctx_->sample_rate;
    int ret = av_channel_layout_copy(&f->ch_layout, &ctx_->ch_layout);
    if (ret >= 0) ret = av_frame_get_buffer(f.get(), 0);
    if (ret >= 0) ret = av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(f->data), n);
    if (ret < 0) throw WriteError(fmt::format("{}: cannot get an audio frame: {}", mux_.path(), av_error_text(ret)));
    if (n < f->nb_samples) {
      av_samples_set_silence(f->data, n, f->nb_samples - n, f->ch_layout.nb_channels, ctx_->sample_fmt);
    }
    f->pts = next_pts_;
    next_pts_ += f->nb_samples;
    send(f.get());
  }
}

}  // namespace vidrep::io
