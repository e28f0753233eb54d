#include "vidrep/io/frame_converter.h"

#include "vidrep/io/area_reduce.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <cstring>

namespace vidrep::io {

namespace {

// An enum field of a decoded frame as a plain int: decoders pass through whatever value the
// bitstream holds, which need not be one of the enum's (found by fuzzing; loading it as the enum
// type is undefined behaviour).
template <typename Enum>
int raw_value(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int));
  int v = 0;
  std::memcpy(&v, &field, sizeof v);
  return v;
}

}  // namespace

SwsContext* FrameConverter::context_for(const AVFrame* frame, int out_w, int out_h) {
  const int space = raw_value(frame->colorspace);
  const int range = raw_value(frame->color_range);
  const Key key{frame->width, frame->height, frame->format, out_w, out_h, space, range};
  if (sws_ && key == key_) return sws_.get();

  // Same size: the ffmpeg CLI's default flags, so pixels match it. Shrinking: area averaging,
  // which is both the right filter for large factors and swscale's cheapest good one.
  // Enlarging: bilinear.
  int flags = SWS_BICUBIC;
  if (out_w < frame->width && out_h < frame->height) {
    flags = SWS_AREA;
  } else if (out_w != frame->width || out_h != frame->height) {
    flags = SWS_BILINEAR;
  }
  sws_.reset(sws_getContext(frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                            out_w, out_h, AV_PIX_FMT_RGB24, flags, nullptr, nullptr, nullptr));
  if (!sws_) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format));
    throw DecodeError(fmt::format("cannot convert {}x{} {} to {}x{} rgb24", frame->width,
                                  frame->height, name != nullptr ? name : "(unknown format)", out_w,
                                  out_h));
  }
  // Like the ffmpeg CLI's scale filter: the frame's matrix and range tags decide the conversion
  // (untagged means BT.601 limited range, swscale's default).
  int* inv_table = nullptr;
  int* table = nullptr;
  int src_full = 0, dst_full = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(sws_.get(), &inv_table, &src_full, &table, &dst_full, &brightness,
                           &contrast, &saturation);
  if (range != AVCOL_RANGE_UNSPECIFIED) src_full = range == AVCOL_RANGE_JPEG ? 1 : 0;
  // sws_getCoefficients falls back to BT.601 for matrices it does not know.
  sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(space), src_full, table,
                           dst_full, brightness, contrast, saturation);
  key_ = key;
  return sws_.get();
}

RgbRows FrameConverter::convert(const AVFrame* frame, int out_w, int out_h) {
  if (out_w < 1 || out_h < 1 || frame->width < 1 || frame->height < 1) {
    throw DecodeError(fmt::format("cannot convert {}x{} to {}x{} rgb24: empty image", frame->width,
                                  frame->height, out_w, out_h));
  }
  // Large reductions of planar YUV: averaged here first, then swscale only converts the small
  // result (io/area_reduce.h).
  const AVFrame* src = frame;
  if (area_reducible(frame, out_w, out_h)) {
    if (!reduced_) reduced_ = make_frame();
    area_reduce(frame, out_w, out_h, reduced_.get());
    src = reduced_.get();
  }
  SwsContext* ctx = context_for(src, out_w, out_h);
  image_.reserve(int64_t{out_w} * 3, out_h);
  uint8_t* dst_planes[4] = {image_.data.get(), nullptr, nullptr, nullptr};
  int dst_strides[4] = {static_cast<int>(image_.stride), 0, 0, 0};
  const int rows = sws_scale(ctx, src->data, src->linesize, 0, src->height, dst_planes, dst_strides);
  if (rows != out_h) {
    throw DecodeError(fmt::format("colour conversion produced {} of {} rows", rows, out_h));
  }
  ++frames_converted_;
  return {image_.data.get(), image_.stride, out_w, out_h};
}

void FrameConverter::convert(const AVFrame* frame, int out_w, int out_h, uint8_t* dst) {
  const RgbRows rgb = convert(frame, out_w, out_h);
  const size_t row = static_cast<size_t>(out_w) * 3;
  for (int y = 0; y < out_h; ++y) std::memcpy(dst + y * row, rgb.data + y * rgb.stride, row);
}

}  // namespace vidrep::io
