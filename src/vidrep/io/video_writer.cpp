#include "vidrep/io/video_writer.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/output_file.h"
#include "vidrep/runtime.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

namespace vidrep {

namespace {

struct Container {
  const char* extension;
  const char* format;       // libavformat muxer
  const char* video_codec;  // default encoders
  const char* audio_codec;
};
constexpr Container kContainers[] = {
    {".mp4", "mp4", "libx264", "aac"},
    {".webm", "webm", "libvpx-vp9", "libopus"},
    {".avi", "avi", "mpeg4", "pcm_s16le"},
};

constexpr int kMaxSide = 16384;
constexpr int kMaxRate = 768'000;
constexpr int kDefaultVp9Crf = 32;
constexpr int kDefaultQscale = 2;  // MPEG-4 part 2: near-transparent
constexpr int kPcmChunk = 1024;    // samples per frame for encoders that take any size

const Container& container_for(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const Container& c : kContainers) {
    if (ext == c.extension) return c;
  }
  throw InvalidArgument(fmt::format("{}: unknown extension '{}' (expected .mp4, .webm or .avi)", path, ext));
}

void check_options(const std::string& path, int width, int height, const WriterOptions& o) {
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide) {
    throw InvalidArgument(fmt::format("{}: size: expected 1..{} per side, got {}x{}", path, kMaxSide, width, height));
  }
  if (!std::isfinite(o.fps) || o.fps <= 0 || o.fps > 1000) {
    throw InvalidArgument(fmt::format("{}: fps: expected 0 < fps <= 1000, got {}", path, o.fps));
  }
  if (o.audio_rate < 0 || o.audio_rate > kMaxRate) {
    throw InvalidArgument(fmt::format("{}: audio_rate: expected 0 (no audio) or 1..{} Hz, got {}", path, kMaxRate,
                                      o.audio_rate));
  }
  if (o.audio_rate > 0 && (o.audio_channels < 1 || o.audio_channels > 8)) {
    throw InvalidArgument(fmt::format("{}: audio_channels: expected 1..8, got {}", path, o.audio_channels));
  }
  if (o.crf < -1 || o.crf > 63) {
    throw InvalidArgument(fmt::format("{}: crf: expected -1 (default) or 0..63, got {}", path, o.crf));
  }
  if (o.threads < 0) throw InvalidArgument(fmt::format("{}: threads: expected >= 0, got {}", path, o.threads));
}

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

}  // namespace

struct VideoWriter::Impl {
  std::string path;
  int width;
  int height;
  WriterOptions opts;
  io::OutputFile out;  // first member: destroyed last, after the muxer has closed the file
  io::UniqueAVFormatOutput fmt;
  io::UniqueAVPacket pkt = io::make_packet();

  io::UniqueAVCodecContext vctx;
  AVStream* vst = nullptr;
  io::UniqueSwsContext sws;
  io::UniqueAVFrame vframe;
  io::SwsImage staged;  // one RGB frame, laid out for swscale to read
  int64_t frames = 0;

  io::UniqueAVCodecContext actx;
  AVStream* ast = nullptr;
  io::UniqueSwrContext swr;
  io::UniqueAVAudioFifo fifo;
  int audio_frame_size = 0;
  int64_t next_apts = 0;  // in encoder samples
  int64_t samples_in = 0;

  bool closed = false;
  bool broken = false;  // an encode or write failed; the output is unusable

  Impl(const std::string& p, int w, int h, const WriterOptions& o)
      : path(p), width(w), height(h), opts(o), out(p) {
    const Container& c = container_for(path);
    AVFormatContext* raw = nullptr;
    int ret = avformat_alloc_output_context2(&raw, nullptr, c.format, out.temp_path().c_str());
    if (ret < 0) throw WriteError(fmt::format("{}: cannot create a {} muxer: {}", path, c.format, io::av_error_text(ret)));
    fmt.reset(raw);
    open_video(c);
    if (opts.audio_rate > 0) open_audio(c);
    if (!(fmt->oformat->flags & AVFMT_NOFILE)) {
      ret = avio_open(&fmt->pb, out.temp_path().c_str(), AVIO_FLAG_WRITE);
      if (ret < 0) throw WriteError(fmt::format("{}: cannot create file: {}", path, io::av_error_text(ret)));
    }
    ret = avformat_write_header(fmt.get(), nullptr);
    if (ret < 0) throw WriteError(fmt::format("{}: cannot write the header: {}", path, io::av_error_text(ret)));
  }

  const AVCodec* find_encoder(const std::string& name, AVMediaType type, bool chosen_by_user) const {
    const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
    if (codec == nullptr || codec->type != type) {
      if (chosen_by_user) throw InvalidArgument(fmt::format("{}: codec: no {} encoder named '{}'", path,
                                                            av_get_media_type_string(type), name));
      throw WriteError(fmt::format("{}: this FFmpeg build has no {} encoder", path, name));
    }
    if (avformat_query_codec(fmt->oformat, codec->id, FF_COMPLIANCE_NORMAL) != 1) {
      throw InvalidArgument(fmt::format("{}: codec: {} cannot be stored in a {} file", path, name, fmt->oformat->name));
    }
    return codec;
  }

  AVPixelFormat pick_pix_fmt(const AVCodec* codec) const {
    const bool odd = width % 2 != 0 || height % 2 != 0;
    if (!odd && supports_pix_fmt(codec, AV_PIX_FMT_YUV420P)) return AV_PIX_FMT_YUV420P;
    if (supports_pix_fmt(codec, AV_PIX_FMT_YUV444P)) return AV_PIX_FMT_YUV444P;
    if (odd) {
      throw InvalidArgument(fmt::format("{}: size: {} needs an even width and height, got {}x{} "
                                        "(.mp4 and .webm accept odd sizes)", path, codec->name, width, height));
    }
    return codec->pix_fmts[0];
  }

  void open_video(const Container& c) {
    const bool by_user = !opts.codec.empty();
    const AVCodec* codec = find_encoder(by_user ? opts.codec : c.video_codec, AVMEDIA_TYPE_VIDEO, by_user);
    vctx.reset(avcodec_alloc_context3(codec));
    if (!vctx) throw std::bad_alloc();
    const AVRational rate = av_d2q(opts.fps, 100'000);
    vctx->width = width;
    vctx->height = height;
    vctx->pix_fmt = pick_pix_fmt(codec);
    vctx->time_base = av_inv_q(rate);
    vctx->framerate = rate;
    vctx->sample_aspect_ratio = AVRational{1, 1};
    vctx->gop_size = std::max(1, static_cast<int>(std::lround(2 * opts.fps)));  // a key frame every 2 s
    vctx->colorspace = AVCOL_SPC_SMPTE170M;  // what swscale's RGB -> YUV uses
    vctx->color_range = AVCOL_RANGE_MPEG;
    vctx->thread_count = opts.threads > 0 ? opts.threads : hardware_threads();
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER) vctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    void* priv = vctx->priv_data;
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
      vctx->bit_rate = 0;  // constant quality: crf alone sets the rate
      av_opt_set_int(priv, "crf", opts.crf >= 0 ? opts.crf : kDefaultVp9Crf, 0);
    } else if (av_opt_find(priv, "crf", nullptr, 0, 0) != nullptr) {
      if (opts.crf >= 0) av_opt_set_int(priv, "crf", opts.crf, 0);
    } else {
      // Encoders without crf (MPEG-4 part 2) take a fixed quantiser instead.
      const int q = opts.crf >= 0 ? std::clamp(opts.crf, 1, 31) : kDefaultQscale;
      vctx->flags |= AV_CODEC_FLAG_QSCALE;
      vctx->global_quality = FF_QP2LAMBDA * q;
    }

    int ret = avcodec_open2(vctx.get(), codec, nullptr);
    if (ret < 0) {
      throw WriteError(fmt::format("{}: cannot open the {} encoder for {}x{} {}: {}", path, codec->name, width,
                                   height, av_get_pix_fmt_name(vctx->pix_fmt), io::av_error_text(ret)));
    }
    vst = avformat_new_stream(fmt.get(), nullptr);
    if (vst == nullptr) throw std::bad_alloc();
    ret = avcodec_parameters_from_context(vst->codecpar, vctx.get());
    if (ret < 0) throw WriteError(fmt::format("{}: video stream parameters: {}", path, io::av_error_text(ret)));
    vst->time_base = vctx->time_base;
    vst->avg_frame_rate = rate;

    sws.reset(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, vctx->pix_fmt,
                             SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!sws) throw WriteError(fmt::format("{}: no RGB -> {} conversion", path, av_get_pix_fmt_name(vctx->pix_fmt)));
    vframe = io::make_frame();
    vframe->format = vctx->pix_fmt;
    vframe->width = width;
    vframe->height = height;
    if (av_frame_get_buffer(vframe.get(), 64) < 0) throw std::bad_alloc();
    staged.reserve(int64_t{3} * width, height);
  }

  void open_audio(const Container& c) {
    const AVCodec* codec = avcodec_find_encoder_by_name(c.audio_codec);
    if (codec == nullptr && std::string(c.audio_codec) == "libopus") codec = avcodec_find_encoder(AV_CODEC_ID_OPUS);
    if (codec == nullptr) throw WriteError(fmt::format("{}: this FFmpeg build has no {} encoder", path, c.audio_codec));
    actx.reset(avcodec_alloc_context3(codec));
    if (!actx) throw std::bad_alloc();
    actx->sample_fmt = pick_sample_fmt(codec);
    actx->sample_rate = pick_sample_rate(codec, opts.audio_rate);
    av_channel_layout_default(&actx->ch_layout, opts.audio_channels);
    actx->time_base = AVRational{1, actx->sample_rate};
    actx->bit_rate = 96'000 * opts.audio_channels;  // ignored by PCM
    actx->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;  // FFmpeg's own Opus encoder, if no libopus
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER) actx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    // FFmpeg's AAC default (twoloop) costs 2-4x the time of the whole video encode at small sizes.
    if (av_opt_find(actx->priv_data, "aac_coder", nullptr, 0, 0)) av_opt_set(actx->priv_data, "aac_coder", "fast", 0);
    int ret = avcodec_open2(actx.get(), codec, nullptr);
    if (ret < 0) {
      throw WriteError(fmt::format("{}: cannot open the {} encoder for {} channels at {} Hz: {}", path, codec->name,
                                   opts.audio_channels, actx->sample_rate, io::av_error_text(ret)));
    }
    const bool any_size = actx->frame_size <= 0 || (codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
    audio_frame_size = any_size ? kPcmChunk : actx->frame_size;

    ast = avformat_new_stream(fmt.get(), nullptr);
    if (ast == nullptr) throw std::bad_alloc();
    ret = avcodec_parameters_from_context(ast->codecpar, actx.get());
    if (ret < 0) throw WriteError(fmt::format("{}: audio stream parameters: {}", path, io::av_error_text(ret)));
    ast->time_base = actx->time_base;

    AVChannelLayout in_layout{};
    av_channel_layout_default(&in_layout, opts.audio_channels);
    SwrContext* raw = nullptr;
    ret = swr_alloc_set_opts2(&raw, &actx->ch_layout, actx->sample_fmt, actx->sample_rate, &in_layout,
                              AV_SAMPLE_FMT_FLTP, opts.audio_rate, 0, nullptr);
    swr.reset(raw);
    if (ret >= 0) ret = swr_init(swr.get());
    if (ret < 0) throw WriteError(fmt::format("{}: cannot set up audio conversion: {}", path, io::av_error_text(ret)));
    fifo.reset(av_audio_fifo_alloc(actx->sample_fmt, opts.audio_channels, audio_frame_size));
    if (!fifo) throw std::bad_alloc();
  }

  [[noreturn]] void fail(const std::string& what, int code) {
    broken = true;
    throw WriteError(fmt::format("{}: {}: {}", path, what, io::av_error_text(code)));
  }

  void check_usable() const {
    if (closed) throw InvalidArgument(fmt::format("{}: the writer is already closed", path));
    if (broken) throw WriteError(fmt::format("{}: an earlier write failed; the output is discarded", path));
  }

  // Sends one frame (nullptr: drain) and writes every packet the encoder has ready.
  void encode(AVCodecContext* ctx, AVStream* st, const AVFrame* frame) {
    const char* kind = ctx == vctx.get() ? "video" : "audio";
    int ret = avcodec_send_frame(ctx, frame);
    if (ret < 0) fail(fmt::format("cannot encode {}", kind), ret);
    while ((ret = avcodec_receive_packet(ctx, pkt.get())) == 0) {
      av_packet_rescale_ts(pkt.get(), ctx->time_base, st->time_base);
      pkt->stream_index = st->index;
      ret = av_interleaved_write_frame(fmt.get(), pkt.get());  // takes the packet's reference
      if (ret < 0) fail(fmt::format("cannot write a {} packet", kind), ret);
    }
    if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) fail(fmt::format("cannot encode {}", kind), ret);
  }

  void write_frames(const at::Tensor& rgb) {
    check_usable();
    const bool ok_shape = (rgb.dim() == 3 || rgb.dim() == 4) && rgb.size(-1) == 3 && rgb.size(-2) == width &&
                          rgb.size(-3) == height;
    if (rgb.scalar_type() != at::kByte || !ok_shape) {
      throw InvalidArgument(fmt::format("{}: frames: expected [N,{},{},3] or [{},{},3] uint8, got {}", path, height,
                                        width, height, width, describe(rgb)));
    }
    const at::Tensor x = (rgb.dim() == 3 ? rgb.unsqueeze(0) : rgb).contiguous();
    const uint8_t* base = x.data_ptr<uint8_t>();
    const size_t row = size_t{3} * width;
    const uint8_t* src[4] = {staged.data.get(), nullptr, nullptr, nullptr};
    const int src_stride[4] = {static_cast<int>(staged.stride), 0, 0, 0};
    for (int64_t i = 0; i < x.size(0); ++i) {
      const int ret = av_frame_make_writable(vframe.get());
      if (ret < 0) fail("cannot get a frame buffer", ret);
      // The tensor's rows are packed: swscale reads them from a copy with slack after each row.
      const uint8_t* frame_rgb = base + i * static_cast<int64_t>(row) * height;
      for (int y = 0; y < height; ++y) std::memcpy(staged.data.get() + y * staged.stride, frame_rgb + y * row, row);
      const int rows = sws_scale(sws.get(), src, src_stride, 0, height, vframe->data, vframe->linesize);
      if (rows != height) fail("colour conversion failed", AVERROR(EINVAL));
      vframe->pts = frames;
      vframe->quality = vctx->global_quality;  // how a fixed quantiser reaches MPEG-4 (as the ffmpeg CLI does)
      encode(vctx.get(), vst, vframe.get());
      ++frames;
    }
  }

  void write_audio(const at::Tensor& samples) {
    check_usable();
    if (!actx) {
      throw InvalidArgument(fmt::format("{}: audio: the writer has no audio track (audio_rate was 0)", path));
    }
    const int ch = opts.audio_channels;
    const bool ok_shape = (samples.dim() == 2 && samples.size(0) == ch) || (samples.dim() == 1 && ch == 1);
    if (samples.scalar_type() != at::kFloat || !ok_shape) {
      throw InvalidArgument(fmt::format("{}: audio: expected [{},S] float32{}, got {}", path, ch,
                                        ch == 1 ? " (or [S])" : "", describe(samples)));
    }
    const at::Tensor x = samples.reshape({ch, -1}).contiguous();
    const int64_t total = x.size(1);
    constexpr int64_t kChunk = 1 << 16;  // bounds the conversion buffer
    for (int64_t off = 0; off < total; off += kChunk) {
      const int n = static_cast<int>(std::min(kChunk, total - off));
      std::vector<const uint8_t*> in(ch);
      for (int c = 0; c < ch; ++c) in[c] = reinterpret_cast<const uint8_t*>(x.data_ptr<float>() + c * total + off);
      resample_into_fifo(in.data(), n);
      samples_in += n;
      drain_fifo(false);
    }
  }

  // Converts `n` samples (nullptr: the resampler's tail) to the encoder's format, into the FIFO.
  void resample_into_fifo(const uint8_t* const* in, int n) {
    const int cap = swr_get_out_samples(swr.get(), n);
    if (cap <= 0) return;
    uint8_t** buf = nullptr;
    int ret = av_samples_alloc_array_and_samples(&buf, nullptr, opts.audio_channels, cap, actx->sample_fmt, 0);
    if (ret < 0) throw std::bad_alloc();
    const int got = swr_convert(swr.get(), buf, cap, const_cast<const uint8_t**>(in), n);
    ret = got < 0 ? got : av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(buf), got);
    av_freep(&buf[0]);
    av_freep(&buf);
    if (ret < 0) fail("cannot convert audio", ret);
  }

  // Encodes whole frames from the FIFO; with `final`, the rest too (padded when the encoder
  // insists on full frames).
  void drain_fifo(bool final) {
    for (;;) {
      const int have = av_audio_fifo_size(fifo.get());
      if (have == 0 || (have < audio_frame_size && !final)) return;
      const int n = std::min(have, audio_frame_size);
      const bool small_ok = actx->frame_size <= 0 ||
                            (actx->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE));
      io::UniqueAVFrame f = io::make_frame();  // fresh each time: the encoder may keep a reference
      f->nb_samples = small_ok ? n : audio_frame_size;
      f->format = actx->sample_fmt;
      f->sample_rate = actx->sample_rate;
      int ret = av_channel_layout_copy(&f->ch_layout, &actx->ch_layout);
      if (ret >= 0) ret = av_frame_get_buffer(f.get(), 0);
      if (ret < 0) fail("cannot get an audio frame buffer", ret);
      ret = av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(f->data), n);
      if (ret < 0) fail("cannot read the audio buffer", ret);
      if (n < f->nb_samples) {
        av_samples_set_silence(f->data, n, f->nb_samples - n, f->ch_layout.nb_channels, actx->sample_fmt);
      }
      f->pts = next_apts;
      next_apts += f->nb_samples;
      encode(actx.get(), ast, f.get());
    }
  }

  void close() {
    if (closed) return;
    check_usable();
    broken = true;  // until the file is in place
    if (actx) {
      resample_into_fifo(nullptr, 0);
      drain_fifo(true);
      encode(actx.get(), ast, nullptr);
    }
    encode(vctx.get(), vst, nullptr);
    int ret = av_write_trailer(fmt.get());
    if (ret < 0) fail("cannot finish the file", ret);
    if (!(fmt->oformat->flags & AVFMT_NOFILE)) {
      ret = avio_closep(&fmt->pb);
      if (ret < 0) fail("cannot close the file", ret);
    }
    fmt.reset();
    out.commit();
    broken = false;
    closed = true;
  }
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, WriterOptions options) {
  io::quiet_libav_logging();
  check_options(path, width, height, options);
  container_for(path);  // an unknown extension is the caller's mistake, reported before touching disk
  impl_ = std::make_unique<Impl>(path, width, height, options);
}

VideoWriter::~VideoWriter() = default;
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;

const std::string& VideoWriter::path() const { return impl_->path; }
int VideoWriter::width() const { return impl_->width; }
int VideoWriter::height() const { return impl_->height; }
int64_t VideoWriter::frames_written() const { return impl_->frames; }
int64_t VideoWriter::samples_written() const { return impl_->samples_in; }

void VideoWriter::write_frames(const at::Tensor& rgb) { impl_->write_frames(rgb); }
void VideoWriter::write_audio(const at::Tensor& samples) { impl_->write_audio(samples); }
void VideoWriter::close() { impl_->close(); }

void VideoWriter::write_video(const std::string& path, const at::Tensor& frames, double fps,
                              const at::Tensor& audio, int audio_rate) {
  if (frames.dim() != 4) {
    throw InvalidArgument(fmt::format("{}: frames: expected [N,H,W,3] uint8, got {}", path, describe(frames)));
  }
  WriterOptions options;
  options.fps = fps;
  if (audio.defined()) {
    if (audio_rate <= 0) throw InvalidArgument(fmt::format("{}: audio_rate: expected > 0 with audio, got {}", path, audio_rate));
    options.audio_rate = audio_rate;
    options.audio_channels = audio.dim() == 2 ? static_cast<int>(audio.size(0)) : 1;
  }
  VideoWriter writer(path, static_cast<int>(frames.size(2)), static_cast<int>(frames.size(1)), options);
  writer.write_frames(frames);
  if (audio.defined()) writer.write_audio(audio);
  writer.close();
}

}  // namespace vidrep
