#include "vidrep/io/area_reduce.h"

#include "vidrep/error.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <vector>

namespace vidrep::io {

namespace {

// The source samples that output sample o covers along one axis, and how much of each. Lengths
// are in units of 1/out source samples: output o spans [o*in, (o+1)*in), source j spans
// [j*out, (j+1)*out), so every weight is an integer overlap and each output's weights sum to in.
struct Taps {
  std::vector<int> first;        // per output: first source index
  std::vector<int> offset;       // per output: index of its first weight in `weight` (+ a last entry)
  std::vector<uint32_t> weight;  // overlaps, source by source
};

Taps taps_for(int in, int out) {
  Taps t;
  t.first.reserve(out);
  t.offset.reserve(out + 1);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t lo = o * in, hi = (o + 1) * in;
    const int64_t j0 = lo / out, j1 = (hi + out - 1) / out;  // [j0, j1) overlap
    t.first.push_back(static_cast<int>(j0));
    t.offset.push_back(static_cast<int>(t.weight.size()));
    for (int64_t j = j0; j < j1; ++j) {
      const int64_t a = std::max(lo, j * out), b = std::min(hi, (j + 1) * out);
      t.weight.push_back(static_cast<uint32_t>(b - a));
    }
  }
  t.offset.push_back(static_cast<int>(t.weight.size()));
  return t;
}

// acc[x] += w * row[x]: the vertical pass, over whole input rows (the cost of the reduction).
__attribute__((target_clones("avx2", "default")))
void accumulate_row(uint32_t* acc, const uint8_t* row, uint32_t w, int n) {
  for (int x = 0; x < n; ++x) acc[x] += w * row[x];
}

// sum of w[k] * acc[k], k < n: the horizontal pass, over one output's contiguous source columns.
template <typename Sum>
Sum dot(const uint32_t* w, const uint32_t* acc, int n) {
  Sum sum = 0;
  for (int k = 0; k < n; ++k) sum += Sum{w[k]} * acc[k];
  return sum;
}

void reduce_plane(const uint8_t* src, int stride, int in_w, int in_h, int out_w, int out_h,
                  uint16_t* dst, int dst_stride) {
  const Taps ty = taps_for(in_h, out_h);
  const Taps tx = taps_for(in_w, out_w);
  // An output's weighted sum reaches in_w * in_h * 255: 32 bits up to 16.8 million pixels a
  // plane, 64 beyond (and for the final * 256).
  const uint64_t total = uint64_t(in_w) * uint64_t(in_h);
  const bool narrow = total * 255 <= UINT32_MAX;
  // Dividing by `total` through its reciprocal, corrected to the exact quotient: a 64-bit
  // division per sample cost more than the rest of the reduction.
  const double inverse = 1.0 / static_cast<double>(total);
  const auto divide = [&](uint64_t x) {
    auto q = static_cast<uint64_t>(static_cast<double>(x) * inverse);
    while (q * total > x) --q;
    while ((q + 1) * total <= x) ++q;
    return q;
  };
  std::vector<uint32_t> acc(static_cast<size_t>(in_w));
  for (int oy = 0; oy < out_h; ++oy) {
    std::fill(acc.begin(), acc.end(), 0u);
    for (int k = ty.offset[oy]; k < ty.offset[oy + 1]; ++k) {
      const int y = ty.first[oy] + (k - ty.offset[oy]);
      accumulate_row(acc.data(), src + static_cast<ptrdiff_t>(y) * stride, ty.weight[k], in_w);
    }
    uint16_t* out = dst + static_cast<ptrdiff_t>(oy) * (dst_stride / 2);
    for (int ox = 0; ox < out_w; ++ox) {
      const uint32_t* w = tx.weight.data() + tx.offset[ox];
      const uint32_t* a = acc.data() + tx.first[ox];
      const int n = tx.offset[ox + 1] - tx.offset[ox];
      const uint64_t sum = narrow ? dot<uint32_t>(w, a, n) : dot<uint64_t>(w, a, n);
      out[ox] = static_cast<uint16_t>(divide(sum * 256 + total / 2));
    }
  }
}

bool full_range_format(int format) {
  return format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P;
}

}  // namespace

bool area_reducible(const AVFrame* frame, int out_w, int out_h) {
  int shift_w = 0, shift_h = 0;
  switch (frame->format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
      shift_w = shift_h = 1;
      break;
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUVJ422P:
      shift_w = 1;
      break;
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVJ444P:
      break;
    default:
      return false;
  }
  const int w = frame->width, h = frame->height;
  // An exact 2:1 vertical reduction of 4:2:2 takes swscale's two-tap vertical writer, which
  // truncates where its others round (about half a level lower): left to swscale, so that
  // frames stay what the ffmpeg CLI gives.
  if (shift_w == 1 && shift_h == 0 && 2 * int64_t{out_h} == h) return false;
  return out_w >= 1 && out_h >= 1 && 2 * int64_t{out_w} <= w && 2 * int64_t{out_h} <= h &&
         w % (1 << shift_w) == 0 && h % (1 << shift_h) == 0 && frame->data[0] != nullptr &&
         frame->data[1] != nullptr && frame->data[2] != nullptr;
}

void area_reduce(const AVFrame* frame, int out_w, int out_h, AVFrame* out) {
  if (!area_reducible(frame, out_w, out_h)) {
    throw InvalidArgument("area_reduce: frame cannot be area-reduced to the size asked");
  }
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  // swscale's packed-RGB writers share one chroma sample between two pixels unless the output
  // width is odd or the source has full chroma (it then interpolates chroma for every pixel):
  // the intermediate carries chroma at the resolution swscale would have computed it at.
  const bool full_chroma = (desc->log2_chroma_w == 0 && desc->log2_chroma_h == 0) || out_w % 2 == 1;
  const int format = full_chroma ? AV_PIX_FMT_YUV444P16 : AV_PIX_FMT_YUV422P16;
  if (out->width != out_w || out->height != out_h || out->format != format || out->buf[0] == nullptr) {
    av_frame_unref(out);
    out->format = format;
    out->width = out_w;
    out->height = out_h;
    if (av_frame_get_buffer(out, 64) < 0) throw std::bad_alloc();
  }
  for (int p = 0; p < 3; ++p) {
    const int sw = p == 0 ? 0 : desc->log2_chroma_w, sh = p == 0 ? 0 : desc->log2_chroma_h;
    const int ow = p == 0 || full_chroma ? out_w : out_w / 2;
    reduce_plane(frame->data[p], frame->linesize[p], frame->width >> sw, frame->height >> sh, ow,
                 out_h, reinterpret_cast<uint16_t*>(out->data[p]), out->linesize[p]);
  }
  out->colorspace = frame->colorspace;
  out->color_range = frame->color_range;
  if (out->color_range == AVCOL_RANGE_UNSPECIFIED && full_range_format(frame->format)) {
    out->color_range = AVCOL_RANGE_JPEG;
  }
  out->color_primaries = frame->color_primaries;
  out->color_trc = frame->color_trc;
}

}  // namespace vidrep::io
