#include "vidrep/io/area_reduce.h"

#include "vidrep/error.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <immintrin.h>
#include <memory>
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

// sum[x] (= if first, else +=) a[x] + b[x] in 16 bits: the rows inside an output row's span,
// which all weigh the same, summed unweighted (16 lanes a vector where accumulate_row has 8 and
// a multiply).
__attribute__((target_clones("avx2", "default")))
void add_rows(uint16_t* sum, const uint8_t* a, const uint8_t* b, int n, bool first) {
  if (first) {
    for (int x = 0; x < n; ++x) sum[x] = static_cast<uint16_t>(a[x] + b[x]);
  } else {
    for (int x = 0; x < n; ++x) sum[x] = static_cast<uint16_t>(sum[x] + a[x] + b[x]);
  }
}

// acc[x] = w0 * first[x] + full * inner[x] + w1 * last[x].
__attribute__((target_clones("avx2", "default")))
void combine_rows(uint32_t* acc, const uint8_t* first, uint32_t w0, const uint16_t* inner,
                  uint32_t full, const uint8_t* last, uint32_t w1, int n) {
  for (int x = 0; x < n; ++x) acc[x] = w0 * first[x] + full * inner[x] + w1 * last[x];
}

// sum of w[k] * acc[k], k < n: the horizontal pass, over one output's contiguous source columns.
template <typename Sum>
Sum dot(const uint32_t* w, const uint32_t* acc, int n) {
  Sum sum = 0;
  for (int k = 0; k < n; ++k) sum += Sum{w[k]} * acc[k];
  return sum;
}

// Four u32 to double exactly: each value as the mantissa of 2^52 + value, minus 2^52.
__attribute__((target("avx2"))) inline __m256d u32_to_double(__m128i v) {
  const __m256i biased = _mm256_or_si256(_mm256_cvtepu32_epi64(v), _mm256_set1_epi64x(0x4330000000000000));
  return _mm256_sub_pd(_mm256_castsi256_pd(biased), _mm256_set1_pd(4503599627370496.0));
}

// The rounded 256 x means of four 32-bit sums over `total` samples, as 32-bit integers: exact in
// double precision (quotients below 2^16 of dividends below 2^41).
__attribute__((target("avx2"))) inline __m128i rounded_means(__m128i sums, __m256d half, __m256d total) {
  const __m256d scaled = _mm256_add_pd(_mm256_mul_pd(u32_to_double(sums), _mm256_set1_pd(256.0)), half);
  return _mm256_cvttpd_epi32(_mm256_div_pd(scaled, total));
}

// One plane's reduction. The vertical pass sums weighted input rows into one 32-bit row per
// output row; the horizontal pass then weighs each output's source columns. An output's sum
// reaches in_w * in_h * 255: 32 bits up to 16.8 million pixels a plane ("narrow"), 64 beyond.
class PlaneReducer {
 public:
  PlaneReducer(int in_w, int in_h, int out_w, int out_h)
      : in_w_(in_w), in_h_(in_h), out_w_(out_w), out_h_(out_h), ty_(taps_for(in_h, out_h)), tx_(taps_for(in_w, out_w)),
        total_(uint64_t(in_w) * uint64_t(in_h)), narrow_(total_ * 255 <= UINT32_MAX),
        padded_w_((in_w + 7) / 8 * 8), acc_(size_t(kBlock) * padded_w_, 0u), inner_(size_t(in_w)) {}

  std::array<int, 4> shape() const { return {in_w_, in_h_, out_w_, out_h_}; }

  void reduce(const uint8_t* src, int stride, uint16_t* dst, int dst_stride) {
    for (int oy0 = 0; oy0 < out_h_; oy0 += kBlock) {
      const int rows = std::min(kBlock, out_h_ - oy0);
      for (int r = 0; r < rows; ++r) vertical(src, stride, oy0 + r, row(r));
      if (narrow_ && kAvx2) {
        horizontal_block(dst, dst_stride / 2, oy0, rows);
        continue;
      }
      for (int r = 0; r < rows; ++r) {
        uint16_t* out = dst + static_cast<ptrdiff_t>(oy0 + r) * (dst_stride / 2);
        narrow_ ? horizontal_narrow(row(r), out) : horizontal_wide(row(r), out);
      }
    }
  }

 private:
  static constexpr int kBlock = 8;  // output rows per horizontal pass (one AVX2 vector of sums)
  static inline const bool kAvx2 = __builtin_cpu_supports("avx2");

  uint32_t* row(int r) { return acc_.data() + static_cast<size_t>(r) * padded_w_; }

  // The 32-bit weighted column sums of output row oy: edge rows weighted, the rows between
  // summed in 16 bits and weighed once (up to 257 of them fit).
  void vertical(const uint8_t* src, int stride, int oy, uint32_t* acc) {
    const int k0 = ty_.offset[oy], n = ty_.offset[oy + 1] - k0;
    const auto source = [&](int k) { return src + static_cast<ptrdiff_t>(ty_.first[oy] + k) * stride; };
    if (n >= 3 && n - 2 <= 257) {
      int k = 1;
      if (n == 3) {
        add_rows(inner_.data(), source(1), zeros(), in_w_, /*first=*/true);
      } else {
        for (; k + 1 < n - 1; k += 2) add_rows(inner_.data(), source(k), source(k + 1), in_w_, k == 1);
        if (k < n - 1) add_rows(inner_.data(), source(k), zeros(), in_w_, false);
      }
      combine_rows(acc, source(0), ty_.weight[k0], inner_.data(), static_cast<uint32_t>(out_h_),
                   source(n - 1), ty_.weight[k0 + n - 1], in_w_);
      return;
    }
    std::fill(acc, acc + in_w_, 0u);
    for (int k = 0; k < n; ++k) accumulate_row(acc, source(k), ty_.weight[k0 + k], in_w_);
  }

  const uint8_t* zeros() {
    if (zeros_.empty()) zeros_.assign(static_cast<size_t>(in_w_), 0);
    return zeros_.data();
  }

  // The rounded 256 x mean of a sum: exact in double precision (quotients below 2^16 of
  // dividends below 2^41), where a 64-bit integer division per sample cost more than the rest.
  uint16_t mean(uint64_t sum) const {
    return static_cast<uint16_t>((static_cast<double>(sum) * 256.0 + static_cast<double>(total_ / 2)) /
                                 static_cast<double>(total_));
  }

  void horizontal_wide(const uint32_t* acc, uint16_t* out) const {
    for (int ox = 0; ox < out_w_; ++ox) {
      const int n = tx_.offset[ox + 1] - tx_.offset[ox];
      const uint64_t sum = dot<uint64_t>(tx_.weight.data() + tx_.offset[ox], acc + tx_.first[ox], n);
      out[ox] = static_cast<uint16_t>((sum * 256 + total_ / 2) / total_);
    }
  }

  void horizontal_narrow(const uint32_t* acc, uint16_t* out) const {
    for (int ox = 0; ox < out_w_; ++ox) {
      const int n = tx_.offset[ox + 1] - tx_.offset[ox];
      out[ox] = mean(dot<uint32_t>(tx_.weight.data() + tx_.offset[ox], acc + tx_.first[ox], n));
    }
  }

  // The horizontal pass of kBlock rows at once: the rows' sums are transposed 8 columns at a
  // time so that one vector holds a column of all 8 rows, then each output column is a run of
  // vector additions (inner columns weigh out_w, only the edge ones less) and 8 divisions.
  // Rows of a short last block hold what the previous block left: computed, not stored.
  __attribute__((target("avx2"))) void horizontal_block(uint16_t* dst, ptrdiff_t dst_stride, int oy0, int rows) {
    columns_.resize(static_cast<size_t>(padded_w_) * kBlock);
    for (int x = 0; x < padded_w_; x += 8) {
      __m256i r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row(i) + x));
      const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
      const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
      const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
      const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
      const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
      const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
      const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
      const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
      auto* c = reinterpret_cast<__m256i*>(columns_.data() + static_cast<size_t>(x) * kBlock);
      _mm256_storeu_si256(c + 0, _mm256_permute2x128_si256(u0, u4, 0x20));
      _mm256_storeu_si256(c + 1, _mm256_permute2x128_si256(u1, u5, 0x20));
      _mm256_storeu_si256(c + 2, _mm256_permute2x128_si256(u2, u6, 0x20));
      _mm256_storeu_si256(c + 3, _mm256_permute2x128_si256(u3, u7, 0x20));
      _mm256_storeu_si256(c + 4, _mm256_permute2x128_si256(u0, u4, 0x31));
      _mm256_storeu_si256(c + 5, _mm256_permute2x128_si256(u1, u5, 0x31));
      _mm256_storeu_si256(c + 6, _mm256_permute2x128_si256(u2, u6, 0x31));
      _mm256_storeu_si256(c + 7, _mm256_permute2x128_si256(u3, u7, 0x31));
    }
    const auto* columns = reinterpret_cast<const __m256i*>(columns_.data());
    const __m256d half = _mm256_set1_pd(static_cast<double>(total_ / 2));
    const __m256d divisor = _mm256_set1_pd(static_cast<double>(total_));
    const __m256i full = _mm256_set1_epi32(out_w_);
    alignas(16) uint16_t means[kBlock] = {};
    for (int ox = 0; ox < out_w_; ++ox) {
      const int k0 = tx_.offset[ox], n = tx_.offset[ox + 1] - k0, x0 = tx_.first[ox];
      const __m256i first_weight = _mm256_set1_epi32(static_cast<int>(tx_.weight[k0]));
      __m256i sum = _mm256_mullo_epi32(_mm256_loadu_si256(columns + x0), first_weight);
      if (n > 1) {
        __m256i inner = _mm256_setzero_si256();
        for (int k = 1; k < n - 1; ++k) inner = _mm256_add_epi32(inner, _mm256_loadu_si256(columns + x0 + k));
        sum = _mm256_add_epi32(sum, _mm256_mullo_epi32(inner, full));
        const __m256i last_weight = _mm256_set1_epi32(static_cast<int>(tx_.weight[k0 + n - 1]));
        sum = _mm256_add_epi32(sum, _mm256_mullo_epi32(_mm256_loadu_si256(columns + x0 + n - 1), last_weight));
      }
      const __m128i lo = rounded_means(_mm256_castsi256_si128(sum), half, divisor);
      const __m128i hi = rounded_means(_mm256_extracti128_si256(sum, 1), half, divisor);
      _mm_store_si128(reinterpret_cast<__m128i*>(means), _mm_packus_epi32(lo, hi));
      for (int r = 0; r < rows; ++r) dst[static_cast<ptrdiff_t>(oy0 + r) * dst_stride + ox] = means[r];
    }
  }

  int in_w_, in_h_, out_w_, out_h_;
  Taps ty_, tx_;
  uint64_t total_;
  bool narrow_;
  int padded_w_;
  std::vector<uint32_t> acc_;      // kBlock rows of padded_w_ column sums (zero padding)
  std::vector<uint16_t> inner_;    // the unweighted sum of an output row's inner source rows
  std::vector<uint8_t> zeros_;     // an all-zero source row, for an odd count of inner rows
  std::vector<uint32_t> columns_;  // acc_ transposed: column x of all kBlock rows at x * kBlock
};

// The reducer for a plane shape, kept per thread: its taps and buffers are made once per video,
// not once per frame.
PlaneReducer& reducer_for(int in_w, int in_h, int out_w, int out_h) {
  thread_local std::vector<std::unique_ptr<PlaneReducer>> reducers;
  for (const auto& r : reducers) {
    if (r->shape() == std::array{in_w, in_h, out_w, out_h}) return *r;
  }
  if (reducers.size() >= 8) reducers.erase(reducers.begin());
  return *reducers.emplace_back(std::make_unique<PlaneReducer>(in_w, in_h, out_w, out_h));
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
    reducer_for(frame->width >> sw, frame->height >> sh, ow, out_h)
        .reduce(frame->data[p], frame->linesize[p], reinterpret_cast<uint16_t*>(out->data[p]), out->linesize[p]);
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
