// `features --short-side N` (the reader resizes while converting) and `clips --transform
// resize_short=N` (the transform resizes decoded RGB) give the same frame size for any aspect
// ratio, and pixels that differ only by the filter (README: "Resizing: on decode or as a
// transform").
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"
#include "vidrep/transform/geometry.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

namespace vidrep {
namespace {

TEST(ResizeConsistency, ShortSideOnDecodeMatchesResizeShort) {
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{720, 528}, {528, 720}, {330, 200}, {160, 160}, {1280, 720}}) {
    const std::string path = test::make_video(
        fmt::format("resize_{}x{}.mp4", w, h),
        fmt::format("-f lavfi -i testsrc2=size={}x{}:rate=25:duration=0.2 -pix_fmt yuv420p -c:v libx264 -g 5", w, h));
    VideoReader decoded(path, {.short_side = 112});
    VideoReader native(path);
    const transform::FrameSize want = transform::short_side_size(native.width(), native.height(), 112);
    EXPECT_EQ(decoded.width(), want.width) << w << "x" << h;
    EXPECT_EQ(decoded.height(), want.height) << w << "x" << h;
    const at::Tensor a = to_tensor(decoded.read_frames({2})).to(at::kFloat);
    const at::Tensor b = transform::resize_short(to_tensor(native.read_frames({2})), 112).to(at::kFloat);
    ASSERT_EQ(a.sizes(), b.sizes());
    // Area averaging in YUV (swscale) vs antialiased bilinear in RGB: close, not equal (testsrc2 is
    // all sharp edges: 4-5 levels apart on average; a misplaced or mirrored image is ~50).
    EXPECT_LT((a - b).abs().mean().item<double>(), 8.0) << w << "x" << h;
  }
}

}  // namespace
}  // namespace vidrep
