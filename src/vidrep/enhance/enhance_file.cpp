#include "vidrep/enhance/enhance_file.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/muxer.h"
#include "vidrep/io/transcode.h"

#include <fmt/format.h>

#include <memory>
#include <optional>

namespace vidrep::enhance {
namespace {

// 8-bit planar YUV or grey: the filters work on such planes directly.
bool planar_8bit(AVPixelFormat fmt) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  if (d == nullptr || (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL))) return false;
  if (!(d->flags & AV_PIX_FMT_FLAG_PLANAR) && d->nb_components > 1) return false;
  for (int c = 0; c < d->nb_components; ++c) {
    if (d->comp[c].depth != 8 || d->comp[c].step != 1 || d->comp[c].plane != c) return false;
  }
  return d->nb_components == 1 || d->nb_components == 3;
}

class EnhanceFilter : public io::FrameFilter {
 public:
  EnhanceFilter(const EnhanceOptions& o, EnhanceResult& result) : o_(o), result_(result) {}

  void push(AVFrame* frame, const std::function<void(AVFrame*)>& emit) override {
    const AVFrame* in = planar(frame);
    if (!like_) {
      like_ = io::make_frame();
      if (av_frame_ref(like_.get(), in) < 0) throw std::bad_alloc();
      start(in);
    }
    Picture picture;
    picture.pts = frame->pts;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(in->format));
    picture.planes.resize(static_cast<size_t>(d->nb_components));
    for (int c = 0; c < d->nb_components; ++c) {
      const int w = c == 0 ? in->width : AV_CEIL_RSHIFT(in->width, d->log2_chroma_w);
      const int h = c == 0 ? in->height : AV_CEIL_RSHIFT(in->height, d->log2_chroma_h);
      picture.planes[static_cast<size_t>(c)].load(in->data[c], in->linesize[c], w, h, border_);
    }
    if (denoiser_) {
      denoiser_->push(std::move(picture), [&](Picture& p) { finish_picture(p, emit); });
    } else {
      finish_picture(picture, emit);
    }
  }

  void finish(const std::function<void(AVFrame*)>& emit) override {
    if (denoiser_) denoiser_->finish([&](Picture& p) { finish_picture(p, emit); });
  }

 private:
  // The frame as 8-bit planes: itself, or converted to 4:2:0 (4:4:4 for odd sizes or RGB input).
  const AVFrame* planar(const AVFrame* frame) {
    const auto fmt = static_cast<AVPixelFormat>(frame->format);
    if (planar_8bit(fmt)) return frame;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
    const bool odd = frame->width % 2 != 0 || frame->height % 2 != 0;
    const AVPixelFormat to = odd || (d != nullptr && (d->flags & AV_PIX_FMT_FLAG_RGB)) ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
    sws_.reset(sws_getCachedContext(sws_.release(), frame->width, frame->height, fmt, frame->width, frame->height, to,
                                    SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!sws_) throw DecodeError(fmt::format("enhance: no {} -> {} conversion", av_get_pix_fmt_name(fmt), av_get_pix_fmt_name(to)));
    converted_ = io::make_frame();
    converted_->format = to;
    converted_->width = frame->width;
    converted_->height = frame->height;
    if (av_frame_get_buffer(converted_.get(), 64) < 0) throw std::bad_alloc();
    av_frame_copy_props(converted_.get(), frame);
    sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, converted_->data, converted_->linesize);
    return converted_.get();
  }

  void start(const AVFrame* first) {
    DenoiseOptions dn = o_.denoise;
    border_ = 1;
    if (o_.estimate_noise || dn.sigma > 0) {
      if (o_.estimate_noise) {
        Plane luma;
        luma.load(first->data[0], first->linesize[0], first->width, first->height, 1);
        dn.sigma = estimate_noise(luma);
      }
      result_.sigma = dn.sigma;
      if (dn.sigma > 0) {
        denoiser_.emplace(dn);
        border_ = std::max(border_, denoiser_->border());
      }
    }
    ContrastOptions co = o_.contrast;
    const auto fmt = static_cast<AVPixelFormat>(first->format);
    const bool full = first->color_range == AVCOL_RANGE_JPEG || fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUVJ422P ||
                      fmt == AV_PIX_FMT_YUVJ444P || fmt == AV_PIX_FMT_GRAY8;
    if (full) {
      co.low = 0;
      co.high = 255;
    }
    contrast_.emplace(co);
  }

  void finish_picture(Picture& p, const std::function<void(AVFrame*)>& emit) {
    contrast_->apply(p.planes[0]);
    sharpen(p.planes[0], o_.sharpen);
    io::UniqueAVFrame out = io::make_frame();
    out->format = like_->format;
    out->width = like_->width;
    out->height = like_->height;
    if (av_frame_get_buffer(out.get(), 64) < 0) throw std::bad_alloc();
    av_frame_copy_props(out.get(), like_.get());
    for (size_t c = 0; c < p.planes.size(); ++c) p.planes[c].store(out->data[c], out->linesize[c]);
    out->pts = p.pts;
    emit(out.get());
    ++result_.frames;
    if (o_.progress) o_.progress(result_.frames, total_);
  }

 public:
  int64_t total_ = 0;

 private:
  const EnhanceOptions& o_;
  EnhanceResult& result_;
  io::UniqueAVFrame like_, converted_;
  io::UniqueSwsContext sws_;
  int border_ = 1;
  std::optional<Denoiser> denoiser_;
  std::optional<ContrastEnhancer> contrast_;
};

}  // namespace

EnhanceResult enhance_file(const std::string& in_path, const std::string& out_path, const EnhanceOptions& o) {
  if (o.sharpen < 0 || o.sharpen > 10) throw InvalidArgument(fmt::format("enhance: sharpen {}: expected 0..10", o.sharpen));
  if (o.crf < 0 || o.crf > 51) throw InvalidArgument(fmt::format("enhance: crf {}: expected 0..51", o.crf));
  Denoiser check(o.denoise);  // the options' errors before any work
  ContrastEnhancer check_contrast(o.contrast);
  io::Demuxer demuxer(in_path);
  const int video = demuxer.select_stream(AVMEDIA_TYPE_VIDEO, -1);
  const io::FrameIndex index(demuxer, video);
  if (index.size() == 0) throw DecodeError(fmt::format("{}: stream {}: no frames", in_path, video));
  io::Muxer mux(out_path);
  EnhanceResult result;
  EnhanceFilter filter(o, result);
  filter.total_ = index.size();
  const io::TranscodeResult r = io::transcode(demuxer, video, index, 0, index.size() - 1, mux,
                                              {.crf = o.crf, .preset = o.preset, .threads = o.threads, .audio = o.audio,
                                               .keep_times = true, .filter = &filter});
  result.audio_packets = r.audio_packets;
  result.notes = r.notes;
  return result;
}

}  // namespace vidrep::enhance
