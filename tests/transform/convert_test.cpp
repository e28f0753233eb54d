// Conversions: normalise follows its formula, dtype and layout conversions invert.
#include "vidrep/error.h"
#include "vidrep/transform/convert.h"

#include "transform/clip_helpers.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace vidrep {
namespace {

using namespace transform;

TEST(TransformConvert, NormalizeFollowsTheFormula) {
  const at::Tensor x = test::random_clip(3, 8, 10, 1);
  const Normalization n = Normalization::imagenet();
  const at::Tensor mean = at::tensor({0.485f, 0.456f, 0.406f});
  const at::Tensor std = at::tensor({0.229f, 0.224f, 0.225f});
  const at::Tensor expected = (x.to(at::kFloat) / 255 - mean) / std;
  const at::Tensor y = normalize(x, n);
  ASSERT_EQ(y.scalar_type(), at::kFloat);
  ASSERT_EQ(y.sizes(), x.sizes());
  EXPECT_TRUE(at::allclose(y, expected, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(normalize(x.to(at::kFloat) / 255, n), expected, 1e-5, 1e-5));
  // Other channel counts take their own lists.
  const at::Tensor two = test::random_clip(1, 4, 4, 2, 0, 255, 2).to(at::kFloat) / 255;
  const at::Tensor y2 = normalize(two, {{0.5, 0.25}, {0.5, 2.0}});
  EXPECT_TRUE(at::allclose(y2.select(3, 1), (two.select(3, 1) - 0.25) / 2.0));
}

TEST(TransformConvert, NormalizeRefusesMismatchedLists) {
  const at::Tensor x = test::random_clip(1, 4, 4, 1);
  try {
    normalize(x, {{0.5, 0.5}, {0.2, 0.2}});
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "normalize: expected 3 means and 3 stds (one per channel), got 2 and 2");
  }
  EXPECT_THROW(normalize(x, {{0.5, 0.5, 0.5}, {0.2, 0.0, 0.2}}), InvalidArgument);
}

TEST(TransformConvert, DtypeConversionsInvert) {
  const at::Tensor x = test::random_clip(2, 5, 7, 2);
  const at::Tensor f = to_float(x);
  ASSERT_EQ(f.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(f.max().item<float>(), x.max().item<uint8_t>() / 255.0f);
  EXPECT_TRUE(at::equal(to_uint8(f), x));
  // Out-of-range floats clamp rather than wrap.
  EXPECT_EQ(to_uint8(at::full({1, 1, 1, 3}, 1.7f)).max().item<uint8_t>(), 255);
  EXPECT_EQ(to_uint8(at::full({1, 1, 1, 3}, -0.3f)).max().item<uint8_t>(), 0);
}

TEST(TransformConvert, LayoutConversionsInvertAndMoveChannelsFirst) {
  const at::Tensor x = test::random_clip(4, 5, 6, 3);
  const at::Tensor c = to_cthw(x);
  ASSERT_EQ(c.sizes(), (at::IntArrayRef{3, 4, 5, 6}));
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c[2][3][4][5].item<uint8_t>(), x[3][4][5][2].item<uint8_t>());
  EXPECT_TRUE(at::equal(to_thwc(c), x));
  const at::Tensor batch = at::stack({x, x.flip({1})});
  const at::Tensor bc = to_cthw(batch);
  ASSERT_EQ(bc.sizes(), (at::IntArrayRef{2, 3, 4, 5, 6}));
  EXPECT_TRUE(at::equal(bc[1], to_cthw(x.flip({1}))));
  EXPECT_TRUE(at::equal(to_thwc(bc), batch));
  EXPECT_THROW(to_cthw(at::zeros({2, 3})), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
