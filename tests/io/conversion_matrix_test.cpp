// Colour conversion is exact and stays inside its buffers for every size and pixel format:
// widths 1..80 and odd larger ones, several heights, each format vidrep meets in real files, at the
// native size and resized. The ffmpeg CLI's rgb24 output is the reference; FrameConverter is also
// checked byte for byte against guard bytes after its output (swscale's SIMD writers overran
// packed rows on ordinary widths such as 330 and 378 and corrupted the heap).
#include "vidrep/io/frame_converter.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace vidrep {
namespace {

struct Size {
  int w, h;
};

// Every width from 1 to 80 (heights cycling through odd and even ones, 1 included) and the odd
// widths that real footage crashed on, at two heights.
std::vector<Size> matrix_sizes() {
  const int heights[] = {2, 3, 16, 33, 1, 48, 7};
  std::vector<Size> sizes;
  for (int w = 1; w <= 80; ++w) sizes.push_back({w, heights[w % 7]});
  for (int w : {97, 321, 330, 378, 520, 568, 719, 1001}) {
    sizes.push_back({w, 5});
    sizes.push_back({w, 38});
  }
  return sizes;
}

const std::vector<std::string> kFormats = {"yuv420p", "yuv422p", "yuv444p", "nv12", "yuv420p10le",
                                           "gray",    "rgb24",   "bgr0",    "pal8", "yuvj420p"};

// The output size of the resized reads: smaller than some inputs in both directions, larger than
// others, so area averaging and bilinear enlarging are both covered.
constexpr Size kResized{37, 23};

// What vidrep's converter picks, so the ffmpeg CLI is asked for the same filter.
const char* scale_flags(Size in, Size out) {
  if (out.w < in.w && out.h < in.h) return "area";
  return out.w == in.w && out.h == in.h ? "bicubic" : "bilinear";
}

std::string stem(const std::string& format, Size s) { return fmt::format("{}/{}x{}", format, s.w, s.h); }

at::Tensor read_rgb(const std::string& path, Size s) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() != static_cast<size_t>(s.w) * s.h * 3) {
    throw std::runtime_error(fmt::format("{}: {} bytes, expected {}x{}x3", path, bytes.size(), s.w, s.h));
  }
  at::Tensor t = at::empty({s.h, s.w, 3}, at::kByte);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

// Writes one two-frame rawvideo NUT file per size in `format` (a lossless container for every
// pixel format) and the ffmpeg CLI's rgb24 frame 0 of each, native and resized: three ffmpeg runs.
std::string make_matrix(const std::string& format) {
  return test::made_folder("conversion/" + format, [&](const std::string& dir) {
    const std::vector<Size> sizes = matrix_sizes();
    std::string make = "ffmpeg -y -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=size=1024x48:rate=25";
    std::string native = "ffmpeg -y -nostdin -hide_banner -loglevel error";
    std::string resized = native;
    std::string native_out, resized_out;
    for (size_t i = 0; i < sizes.size(); ++i) {
      const Size s = sizes[i];
      const std::string base = fmt::format("{}/{}x{}", dir, s.w, s.h);
      // Cropped in RGB: cropping subsampled YUV rounds odd widths down.
      make += fmt::format(" -map 0:v -frames:v 2 -vf format=rgb24,crop={}:{}:{}:{},format={} -c:v rawvideo -f nut '{}.nut'",
                          s.w, s.h, (i * 7) % (1024 - s.w + 1), (i * 3) % (48 - s.h + 1), format, base);
      native += fmt::format(" -i '{}.nut'", base);
      resized += fmt::format(" -i '{}.nut'", base);
      native_out += fmt::format(" -map {}:v -frames:v 1 -pix_fmt rgb24 -f rawvideo '{}.rgb'", i, base);
      resized_out += fmt::format(" -map {}:v -frames:v 1 -vf scale={}:{}:flags={} -pix_fmt rgb24 -f rawvideo '{}.small.rgb'",
                                 i, kResized.w, kResized.h, scale_flags(s, kResized), base);
    }
    for (const std::string& cmd : {make, native + native_out, resized + resized_out}) {
      std::string out;
      if (test::run(cmd, &out) != 0) throw std::runtime_error("matrix fixture failed: " + out);
    }
  });
}

class ConversionMatrix : public ::testing::TestWithParam<std::string> {};

TEST_P(ConversionMatrix, EveryWidthMatchesFfmpegNativeAndResized) {
  const std::string dir = make_matrix(GetParam());
  for (const Size s : matrix_sizes()) {
    const std::string base = fmt::format("{}/{}x{}", dir, s.w, s.h);
    VideoReader native(base + ".nut", {.threads = 1});
    ASSERT_EQ(native.width(), s.w);
    ASSERT_EQ(native.height(), s.h);
    const at::Tensor frames = to_tensor(native.read_frames({0, 1}));
    const at::Tensor ref = read_rgb(base + ".rgb", s);
    EXPECT_EQ((frames[0].to(at::kInt) - ref.to(at::kInt)).abs().max().item<int>(), 0) << stem(GetParam(), s);

    VideoReader small(base + ".nut", {.width = kResized.w, .height = kResized.h, .threads = 1});
    const at::Tensor ours = to_tensor(small.read_frames({0}));
    const at::Tensor theirs = read_rgb(base + ".small.rgb", kResized);
    EXPECT_LE((ours[0].to(at::kInt) - theirs.to(at::kInt)).abs().max().item<int>(), 1) << stem(GetParam(), s) << " resized";
  }
}

INSTANTIATE_TEST_SUITE_P(PixelFormats, ConversionMatrix, ::testing::ValuesIn(kFormats),
                         [](const auto& info) { return info.param; });

// FrameConverter writes exactly out_h * out_w * 3 bytes: guard bytes after the output survive
// every size and format, native and resized. (The libav code that overran is not instrumented, so
// sanitizers alone would not see this.)
TEST(FrameConverter, NeverWritesPastItsOutput) {
  io::FrameConverter converter;
  constexpr size_t kGuard = 4096;
  for (const std::string& name : kFormats) {
    const AVPixelFormat format = av_get_pix_fmt(name.c_str());
    ASSERT_NE(format, AV_PIX_FMT_NONE) << name;
    for (const Size s : matrix_sizes()) {
      io::UniqueAVFrame frame = io::make_frame();
      frame->format = format;
      frame->width = s.w;
      frame->height = s.h;
      ASSERT_GE(av_frame_get_buffer(frame.get(), 0), 0);
      for (int p = 0; p < 4 && frame->buf[p] != nullptr; ++p) {
        for (size_t k = 0; k < frame->buf[p]->size; ++k) frame->buf[p]->data[k] = static_cast<uint8_t>(k * 7 + p);
      }
      for (const Size out : {s, kResized, Size{s.w * 2 + 1, s.h + 3}}) {
        const size_t bytes = static_cast<size_t>(out.w) * out.h * 3;
        std::vector<uint8_t> dst(bytes + kGuard, 0xA5);
        converter.convert(frame.get(), out.w, out.h, dst.data());
        size_t first_bad = kGuard;
        for (size_t k = 0; k < kGuard && first_bad == kGuard; ++k) {
          if (dst[bytes + k] != 0xA5) first_bad = k;
        }
        EXPECT_EQ(first_bad, kGuard) << name << " " << s.w << "x" << s.h << " -> " << out.w << "x" << out.h
                                     << ": byte " << first_bad << " past the output was written";
      }
    }
  }
}

}  // namespace
}  // namespace vidrep
