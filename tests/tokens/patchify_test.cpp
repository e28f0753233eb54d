// Spacetime patches: exact round trips, the documented token/position order on a hand-computed
// clip, non-divisible sizes (error or pad + crop back), and tokens from a video at native size.
#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"
#include "vidrep/tokens/patchify.h"
#include "vidrep/tokens/video_tokens.h"

#include "support/codec_fixtures.h"

#include <gtest/gtest.h>

#include <string>

namespace vidrep {
namespace {

// The clip as an Array (a copy: the Array owns its bytes) and back.
Array arr(const at::Tensor& t) { return to_array(t.contiguous().clone(), "clip"); }
at::Tensor ten(const Array& a) { return to_tensor(a); }

// The independent oracle: the documented token order as a view -> permute -> contiguous in ATen.
at::Tensor aten_patchify(const at::Tensor& x, PatchSize p) {
  const int64_t t = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
  return x.reshape({t / p.t, p.t, h / p.h, p.h, w / p.w, p.w, c})
      .permute({0, 2, 4, 1, 3, 5, 6})
      .contiguous()
      .view({-1, p.t * p.h * p.w * c});
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(no InvalidArgument)";
}

TEST(TokensPatchify, RoundTripIsExactForUint8AndFloat) {
  struct Case {
    std::vector<int64_t> shape;
    PatchSize patch;
  };
  const std::vector<Case> cases = {{{1, 16, 16, 3}, {1, 16, 16}}, {{4, 32, 48, 3}, {2, 16, 16}},
                                   {{6, 9, 15, 1}, {3, 3, 5}},    {{8, 8, 8, 4}, {8, 8, 8}},
                                   {{5, 7, 11, 3}, {1, 1, 1}}};
  at::manual_seed(3);
  for (const Case& c : cases) {
    const at::Tensor u8 = at::randint(0, 256, c.shape, at::kByte);
    const at::Tensor f32 = at::randn(c.shape, at::kFloat);
    for (const at::Tensor& clip : {u8, f32}) {
      const Patches p = patchify(arr(clip), c.patch);
      const int64_t n = (c.shape[0] / c.patch.t) * (c.shape[1] / c.patch.h) * (c.shape[2] / c.patch.w);
      EXPECT_EQ(p.tokens.shape(), (std::vector<int64_t>{n, c.patch.t * c.patch.h * c.patch.w * c.shape[3]}));
      EXPECT_EQ(ten(p.tokens).scalar_type(), clip.scalar_type());
      EXPECT_EQ(p.positions.shape(), (std::vector<int64_t>{n, 3}));
      EXPECT_TRUE(at::equal(ten(p.tokens), aten_patchify(clip, c.patch))) << c.shape;
      EXPECT_TRUE(at::equal(ten(unpatchify(p)), clip)) << at::toString(clip.scalar_type()) << " " << c.shape;
      EXPECT_TRUE(at::equal(ten(unpatchify(p.tokens, p.grid, p.patch, clip.size(3))), clip));
    }
  }
}

TEST(TokensPatchify, TokenContentAndPositionOrderMatchAHandComputedClip) {
  // x[t,h,w,c] = ((t*2 + h)*4 + w)*2 + c for a [2,2,4,2] clip; patches 1x2x2 -> grid (2,1,2).
  const at::Tensor clip = at::arange(32, at::kLong).view({2, 2, 4, 2});
  const Patches p = patchify(arr(clip), {1, 2, 2});
  EXPECT_EQ(p.grid, (std::array<int64_t, 3>{2, 1, 2}));
  // Each token is its [pt,ph,pw,C] block in memory order; tokens go t, then h, then w.
  const at::Tensor expected = at::tensor(std::vector<int64_t>{0,  1,  2,  3,  8,  9,  10, 11,    // t0 w-block 0
                                                              4,  5,  6,  7,  12, 13, 14, 15,    // t0 w-block 1
                                                              16, 17, 18, 19, 24, 25, 26, 27,    // t1 w-block 0
                                                              20, 21, 22, 23, 28, 29, 30, 31})   // t1 w-block 1
                                  .view({4, 8});
  EXPECT_TRUE(at::equal(ten(p.tokens), expected)) << ten(p.tokens);
  EXPECT_TRUE(at::equal(ten(p.positions), at::tensor(std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1}).view({4, 3})));

  // Time is the outermost axis inside a token: a 2x1x1 patch holds (frame 0, frame 1).
  const at::Tensor t2 = at::arange(4, at::kLong).view({2, 1, 2, 1});
  EXPECT_TRUE(at::equal(ten(patchify(arr(t2), {2, 1, 1}).tokens), at::tensor(std::vector<int64_t>{0, 2, 1, 3}).view({2, 2})));
}

TEST(TokensPatchify, NonDivisibleSizeNamesTheDimension) {
  EXPECT_EQ(error_of([] { patchify(arr(at::zeros({4, 55, 64, 3}, at::kByte)), {1, 16, 16}); }),
            "height 55 is not a multiple of patch height 16; use --pad");
  EXPECT_EQ(error_of([] { patchify(arr(at::zeros({4, 64, 97, 3}, at::kByte)), {1, 16, 16}); }),
            "width 97 is not a multiple of patch width 16; use --pad");
  EXPECT_EQ(error_of([] { patchify(arr(at::zeros({5, 64, 64, 3}, at::kByte)), {2, 16, 16}); }),
            "frame count 5 is not a multiple of patch length 2; use --pad");
  EXPECT_NE(error_of([] { patchify(arr(at::zeros({4, 64, 64}, at::kByte)), {1, 16, 16}); }).find("expected a clip [T,H,W,C]"),
            std::string::npos);
  EXPECT_NE(error_of([] { patchify(arr(at::zeros({4, 64, 64, 3}, at::kByte)), {0, 16, 16}); }).find("patch length"),
            std::string::npos);
  EXPECT_NE(error_of([] { unpatchify(arr(at::zeros({10, 7})), {1, 2, 5}, {1, 1, 1}, 3); }).find("expected tokens [10, 3]"),
            std::string::npos);
}

TEST(TokensPatchify, PadReplicatesOrZeroesAtTheEndAndUnpatchifyCropsBack) {
  at::manual_seed(5);
  const at::Tensor clip = at::randint(0, 256, {3, 5, 7, 2}, at::kByte);
  const Patches p = patchify(arr(clip), {2, 4, 4}, {PadMode::Replicate});
  EXPECT_EQ(p.grid, (std::array<int64_t, 3>{2, 2, 2}));
  EXPECT_EQ(p.original, (std::array<int64_t, 3>{3, 5, 7}));
  EXPECT_TRUE(at::equal(ten(unpatchify(p)), clip));

  const at::Tensor full = ten(unpatchify(p.tokens, p.grid, p.patch, 2));  // no crop: [4,8,8,2]
  ASSERT_EQ(full.sizes(), (at::IntArrayRef{4, 8, 8, 2}));
  EXPECT_TRUE(at::equal(full.narrow(0, 0, 3).narrow(1, 0, 5).narrow(2, 0, 7), clip));
  EXPECT_TRUE(at::equal(full[3], full[2]));                                                  // last frame repeated
  EXPECT_TRUE(at::equal(full.narrow(1, 5, 3), full.narrow(1, 4, 1).expand({4, 3, 8, 2})));  // last row
  EXPECT_TRUE(at::equal(full.narrow(2, 7, 1), full.narrow(2, 6, 1)));                       // last column

  const Patches z = patchify(arr(clip), {2, 4, 4}, {PadMode::Zero});
  const at::Tensor zfull = ten(unpatchify(z.tokens, z.grid, z.patch, 2));
  EXPECT_TRUE(at::equal(ten(unpatchify(z)), clip));
  EXPECT_EQ(zfull[3].count_nonzero().item<int64_t>(), 0);
  EXPECT_EQ(zfull.narrow(1, 5, 3).count_nonzero().item<int64_t>(), 0);
  EXPECT_EQ(zfull.narrow(2, 7, 1).count_nonzero().item<int64_t>(), 0);
}

TEST(TokensPatchify, ParsePatchSize) {
  const PatchSize p = parse_patch_size("2x16x8", "--patch");
  EXPECT_EQ(p.t, 2);
  EXPECT_EQ(p.h, 16);
  EXPECT_EQ(p.w, 8);
  for (const char* bad : {"2x16", "0x16x16", "2x16x16x", "axbxc", "2x-16x16", "", "2x16x16 "}) {
    EXPECT_NE(error_of([&] { parse_patch_size(bad, "--patch"); }).find("--patch: expected PTxPHxPW"), std::string::npos)
        << bad;
  }
}

TEST(TokensVideo, NativeSizeTokensAreTheFramesAtTheirOwnResolution) {
  const std::string path = test::codec_fixture("h264_bframes");  // 160x120, 100 frames
  VideoReader reader(path);
  const Patches p = video_tokens(reader, {.patch = {2, 8, 8}, .start = 10, .frames = 8});
  EXPECT_EQ(p.grid, (std::array<int64_t, 3>{4, 15, 20}));
  EXPECT_EQ(p.original, (std::array<int64_t, 3>{8, 120, 160}));
  EXPECT_EQ(p.tokens.dtype(), DType::Float32);
  const at::Tensor frames = to_tensor(reader.read_range(10, 18));
  EXPECT_TRUE(at::allclose(ten(p.tokens), aten_patchify(frames, {2, 8, 8}).to(at::kFloat).div_(255.0f), 0, 1e-7));
  EXPECT_TRUE(at::equal(ten(unpatchify(p)).mul(255.0f).round().to(at::kByte), frames));

  // An odd native size: refused without padding, before decoding; padded and cropped back with it.
  VideoReader odd(test::codec_fixture("odd_444"));  // 96x54 (testsrc2 rounds 97x55 down)
  EXPECT_NE(error_of([&] { video_tokens(odd, {.patch = {1, 16, 16}, .frames = 4}); })
                .find("height 54 is not a multiple of patch height 16; use --pad"),
            std::string::npos);
  EXPECT_EQ(odd.counters().frames_decoded, 0);
  const Patches q = video_tokens(odd, {.patch = {1, 16, 16}, .frames = 4, .pad = PadMode::Replicate});
  EXPECT_EQ(q.grid, (std::array<int64_t, 3>{4, 4, 6}));
  EXPECT_TRUE(at::equal(ten(unpatchify(q)).mul(255.0f).round().to(at::kByte), to_tensor(odd.read_range(0, 4))));

  EXPECT_NE(error_of([&] { video_tokens(reader, {.patch = {2, 8, 8}, .start = 95, .frames = 8}); })
                .find("frames: expected 1..5 from frame 95, got 8"),
            std::string::npos);
}

}  // namespace
}  // namespace vidrep
