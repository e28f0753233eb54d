// Large reductions of planar YUV (io/area_reduce.h): every output sample is the exact mean of the
// area it covers, and the RGB frames built on it match the ffmpeg CLI's `scale=W:H:flags=area`
// (one swscale pass) in each format and output parity it takes.
#include "vidrep/io/area_reduce.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace vidrep {
namespace {

io::UniqueAVFrame random_frame(AVPixelFormat format, int w, int h, uint32_t seed) {
  io::UniqueAVFrame frame = io::make_frame();
  frame->format = format;
  frame->width = w;
  frame->height = h;
  EXPECT_GE(av_frame_get_buffer(frame.get(), 0), 0);
  std::mt19937 rng(seed);
  for (int p = 0; p < 4 && frame->buf[p] != nullptr; ++p) {
    for (size_t k = 0; k < frame->buf[p]->size; ++k) frame->buf[p]->data[k] = static_cast<uint8_t>(rng());
  }
  return frame;
}

// The mean of plane `p` over output sample (ox, oy)'s area, in double precision.
double box_mean(const uint8_t* plane, int stride, int in_w, int in_h, int out_w, int out_h, int ox, int oy) {
  const double sx = double(in_w) / out_w, sy = double(in_h) / out_h;
  double sum = 0;
  for (int y = 0; y < in_h; ++y) {
    const double wy = std::max(0.0, std::min(y + 1.0, (oy + 1) * sy) - std::max(double(y), oy * sy));
    if (wy == 0) continue;
    for (int x = 0; x < in_w; ++x) {
      const double wx = std::max(0.0, std::min(x + 1.0, (ox + 1) * sx) - std::max(double(x), ox * sx));
      sum += wx * wy * plane[y * stride + x];
    }
  }
  return sum / (sx * sy);
}

TEST(AreaReduce, EverySampleIsTheExactMeanOfItsArea) {
  struct Case {
    AVPixelFormat format;
    int w, h, out_w, out_h;
    AVPixelFormat expected;  // the intermediate: 4:2:2 unless swscale would use full chroma
  };
  const Case cases[] = {{AV_PIX_FMT_YUV420P, 50, 30, 8, 4, AV_PIX_FMT_YUV422P16},
                        {AV_PIX_FMT_YUV420P, 50, 30, 7, 15, AV_PIX_FMT_YUV444P16},  // odd width
                        {AV_PIX_FMT_YUV422P, 64, 18, 32, 8, AV_PIX_FMT_YUV422P16},
                        {AV_PIX_FMT_YUV444P, 33, 21, 5, 3, AV_PIX_FMT_YUV444P16},
                        {AV_PIX_FMT_YUVJ420P, 1282, 6, 1, 1, AV_PIX_FMT_YUV444P16},
                        // rows in blocks of 8 with a short last one; up to 7 source rows an output
                        {AV_PIX_FMT_YUV420P, 200, 90, 24, 17, AV_PIX_FMT_YUV422P16},
                        // exactly 2 source columns and 3 source rows an output
                        {AV_PIX_FMT_YUV422P, 64, 27, 32, 9, AV_PIX_FMT_YUV422P16},
                        // 300 source rows an output: more inner rows than 16-bit sums hold
                        {AV_PIX_FMT_YUV444P, 40, 600, 6, 2, AV_PIX_FMT_YUV444P16}};
  for (const Case& c : cases) {
    const io::UniqueAVFrame frame = random_frame(c.format, c.w, c.h, static_cast<uint32_t>(c.w * 31 + c.out_w));
    ASSERT_TRUE(io::area_reducible(frame.get(), c.out_w, c.out_h));
    io::UniqueAVFrame out = io::make_frame();
    io::area_reduce(frame.get(), c.out_w, c.out_h, out.get());
    ASSERT_EQ(out->format, c.expected);
    ASSERT_EQ(out->width, c.out_w);
    ASSERT_EQ(out->height, c.out_h);
    const AVPixFmtDescriptor* in = av_pix_fmt_desc_get(c.format);
    const AVPixFmtDescriptor* mid = av_pix_fmt_desc_get(c.expected);
    for (int p = 0; p < 3; ++p) {
      const int pw = p == 0 ? c.w : c.w >> in->log2_chroma_w, ph = p == 0 ? c.h : c.h >> in->log2_chroma_h;
      const int ow = p == 0 ? c.out_w : AV_CEIL_RSHIFT(c.out_w, mid->log2_chroma_w);
      for (int oy = 0; oy < c.out_h; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
          const double mean = box_mean(frame->data[p], frame->linesize[p], pw, ph, ow, c.out_h, ox, oy);
          const uint16_t got = reinterpret_cast<const uint16_t*>(out->data[p] + oy * out->linesize[p])[ox];
          ASSERT_NEAR(got / 256.0, mean, 0.5 / 256 + 1e-9)
              << av_get_pix_fmt_name(c.format) << " plane " << p << " at " << ox << "," << oy;
        }
      }
    }
    // A yuvj source's full range is carried by the tag, since the 16-bit intermediate has none.
    EXPECT_EQ(out->color_range, c.format == AV_PIX_FMT_YUVJ420P ? AVCOL_RANGE_JPEG : AVCOL_RANGE_UNSPECIFIED);
  }
}

TEST(AreaReduce, TakesOnlyLargeReductionsOfPlanar8BitYuv) {
  const io::UniqueAVFrame yuv = random_frame(AV_PIX_FMT_YUV420P, 64, 48, 1);
  EXPECT_TRUE(io::area_reducible(yuv.get(), 32, 24));
  EXPECT_FALSE(io::area_reducible(yuv.get(), 33, 24));  // less than 2x
  EXPECT_FALSE(io::area_reducible(yuv.get(), 32, 25));
  EXPECT_FALSE(io::area_reducible(yuv.get(), 0, 4));
  EXPECT_FALSE(io::area_reducible(random_frame(AV_PIX_FMT_YUV420P, 63, 48, 2).get(), 16, 16));  // odd width, 4:2:0
  EXPECT_TRUE(io::area_reducible(random_frame(AV_PIX_FMT_YUV444P, 63, 47, 3).get(), 16, 16));
  // 4:2:2 at exactly half the height is swscale's (its two-tap writer truncates).
  EXPECT_FALSE(io::area_reducible(random_frame(AV_PIX_FMT_YUV422P, 64, 48, 4).get(), 16, 24));
  EXPECT_TRUE(io::area_reducible(random_frame(AV_PIX_FMT_YUV422P, 64, 48, 4).get(), 16, 23));
  for (AVPixelFormat other : {AV_PIX_FMT_NV12, AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_RGB24, AV_PIX_FMT_GRAY8}) {
    io::UniqueAVFrame frame = io::make_frame();
    frame->format = other;
    frame->width = 64;
    frame->height = 48;
    ASSERT_GE(av_frame_get_buffer(frame.get(), 0), 0);
    EXPECT_FALSE(io::area_reducible(frame.get(), 16, 16)) << av_get_pix_fmt_name(other);
  }
}

// Through the reader, against the CLI's one-pass swscale: nearly every value equal, none far off.
TEST(AreaReduce, FramesMatchTheFfmpegCliAreaScale) {
  for (const std::string format : {"yuv420p", "yuvj420p", "yuv422p", "yuv444p"}) {
    const std::string path = test::make_video(
        fmt::format("area_{}.nut", format),
        fmt::format("-f lavfi -i testsrc2=size=320x240:rate=25,noise=alls=20:allf=t -frames:v 2 "
                    "-pix_fmt {} -c:v rawvideo", format));
    for (const auto& [w, h] : {std::pair{160, 120}, std::pair{64, 48}, std::pair{37, 23}, std::pair{111, 63}}) {
      VideoReader reader(path, {.width = w, .height = h, .threads = 1});
      const at::Tensor ours = to_tensor(reader.read_frames({1}))[0].to(at::kInt);
      const at::Tensor ref = test::ffmpeg_frame(path, 1, h, w, fmt::format("scale={}:{}:flags=area", w, h)).to(at::kInt);
      const at::Tensor diff = (ours - ref).abs();
      const std::string what = fmt::format("{} {}x{}", format, w, h);
      EXPECT_LE(diff.max().item<int>(), 4) << what;
      EXPECT_GE(diff.eq(0).to(at::kFloat).mean().item<float>(), 0.98f) << what;
    }
  }
}

}  // namespace
}  // namespace vidrep
