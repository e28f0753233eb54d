// Pipeline: text and JSON forms parse to the same steps and round-trip, seeds reproduce per clip,
// errors name the item as written.
#include "vidrep/error.h"
#include "vidrep/transform/color.h"
#include "vidrep/transform/convert.h"
#include "vidrep/transform/geometry.h"
#include "vidrep/transform/pipeline.h"
#include "vidrep/random.h"

#include "support/fixtures.h"
#include "transform/clip_helpers.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <fstream>

namespace vidrep {
namespace {

using transform::Pipeline;

TEST(TransformPipeline, ParsesEveryItemAndRoundTrips) {
  const std::string text =
      "resize=80x60, resize_short=48,center_crop=40,random_crop=32x30,random_resized_crop=24:0.5-1,"
      "hflip,color_jitter=0.4:0.4:0.4:0.1,equalize,gaussian_noise=2,gaussian_blur=0.5-1.5,"
      "temporal_stride=2,to_float,to_uint8,normalize=0.45;0.45;0.45:0.225;0.225;0.225";
  const Pipeline p = Pipeline::parse(text);
  ASSERT_EQ(p.items().size(), 14u);
  const std::string canonical = p.to_string();
  EXPECT_EQ(canonical,
            "resize=80x60,resize_short=48,center_crop=40x40,random_crop=32x30,"
            "random_resized_crop=24x24:0.5-1:0.75-1.3333333333333333,hflip=0.5,color_jitter=0.4:0.4:0.4:0.1,"
            "equalize,gaussian_noise=2,gaussian_blur=0.5-1.5,temporal_stride=2,to_float,to_uint8,"
            "normalize=0.45;0.45;0.45:0.225;0.225;0.225");
  EXPECT_EQ(Pipeline::parse(canonical).to_string(), canonical);
  EXPECT_EQ(Pipeline::from_json(p.to_json()).to_string(), canonical);
  // And the parsed steps run: [6,72,96,3] uint8 -> [3,24,24,3] float.
  const at::Tensor y = p.apply(test::random_clip(6, 72, 96, 1), 5);
  EXPECT_EQ(y.sizes(), (at::IntArrayRef{3, 24, 24, 3}));
  EXPECT_EQ(y.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(y, Pipeline::parse(canonical).apply(test::random_clip(6, 72, 96, 1), 5)));
}

TEST(TransformPipeline, JsonFileWithNumbersEqualsTheText) {
  const std::string path = test::scratch_dir("transform_json") + "/p.json";
  std::ofstream(path) << R"([{"name": "resize_short", "value": 36}, {"name": "center_crop", "value": "32x24"},
                             {"name": "hflip", "value": 0.5}, {"name": "equalize"},
                             {"name": "normalize", "value": "imagenet"}])";
  const Pipeline file = Pipeline::load_json(path);
  const Pipeline text = Pipeline::parse("resize_short=36,center_crop=32x24,hflip=0.5,equalize,normalize=imagenet");
  EXPECT_EQ(file.to_string(), text.to_string());
  const at::Tensor x = test::random_clip(2, 72, 96, 2);
  EXPECT_TRUE(at::equal(file.apply(x, 3), text.apply(x, 3)));
  EXPECT_THROW(Pipeline::load_json(path + ".missing"), OpenError);
}

TEST(TransformPipeline, EqualsTheFunctionsComposed) {
  const at::Tensor x = test::random_clip(4, 72, 128, 3);
  const at::Tensor y = Pipeline::parse("resize_short=64,center_crop=56,normalize=imagenet").apply(x, 0);
  using namespace transform;
  const at::Tensor expected = normalize(center_crop(resize_short(x, 64), 56, 56), Normalization::imagenet());
  EXPECT_TRUE(at::equal(y, expected));
  EXPECT_EQ(y.sizes(), (at::IntArrayRef{4, 56, 56, 3}));
  // A random step receives derive_seed(seed, its index).
  const at::Tensor r = Pipeline::parse("equalize,random_crop=20").apply(x, 9);
  EXPECT_TRUE(at::equal(r, random_crop(equalize_luma(x), 20, 20, derive_seed(9, 1))));
  // Resize then crop runs fused; the result is the same as the two steps one after the other.
  const at::Tensor fused = Pipeline::parse("resize_short=64,random_crop=40x32,hflip=1").apply(x, 9);
  EXPECT_TRUE(at::equal(fused, hflip(random_crop(resize_short(x, 64), 40, 32, derive_seed(9, 1)))));
  const at::Tensor f = x.to(at::kFloat);
  EXPECT_TRUE(at::equal(Pipeline::parse("resize=100x50,center_crop=30").apply(f, 0),
                        center_crop(resize(f, 100, 50), 30, 30)));
}

TEST(TransformPipeline, SeedsReproduceAndDiffer) {
  const Pipeline p = Pipeline::parse("random_resized_crop=32x32,hflip=0.5,color_jitter=0.4:0.4:0.4:0.1");
  const at::Tensor x = test::random_clip(3, 60, 80, 4);
  const at::Tensor a = p.apply(x, 1);
  EXPECT_TRUE(at::equal(a, p.apply(x, 1)));
  int differ = 0;
  for (uint64_t seed = 2; seed < 12; ++seed) differ += !at::equal(a, p.apply(x, seed));
  EXPECT_EQ(differ, 10);
}

TEST(TransformPipeline, BatchClipsGetTheirOwnDerivedSeeds) {
  const Pipeline p = Pipeline::parse("random_crop=24,color_jitter=0.5:0.5");
  // Two identical clips in a batch must still get different draws.
  const at::Tensor clip = test::random_clip(2, 40, 50, 5);
  const at::Tensor batch = at::stack({clip, clip, clip});
  const at::Tensor y = p.apply_batch(batch, 7);
  ASSERT_EQ(y.sizes(), (at::IntArrayRef{3, 2, 24, 24, 3}));
  EXPECT_FALSE(at::equal(y[0], y[1]));
  EXPECT_FALSE(at::equal(y[1], y[2]));
  for (int64_t k = 0; k < 3; ++k) EXPECT_TRUE(at::equal(y[k], p.apply(clip, Pipeline::clip_seed(7, k))));
  EXPECT_TRUE(at::equal(y, p.apply_batch(batch, 7)));
  EXPECT_THROW(p.apply_batch(clip, 7), InvalidArgument);  // a clip, not a batch
}

TEST(TransformPipeline, ResultsDoNotDependOnTheThreadCount) {
  // Clips run in parallel, and the resize kernel and noise split rows between threads: neither may
  // change a value. K = 4 takes the clip-parallel path, K = 3 the step-parallel one (2 threads).
  const Pipeline p = Pipeline::parse("resize_short=48,random_crop=40x32,gaussian_noise=3,color_jitter=0.3:0.3");
  const int before = at::get_num_threads();
  for (int64_t k : {3, 4}) {
    const at::Tensor batch = test::random_clip(k * 4, 60, 80, 10).view({k, 4, 60, 80, 3});
    at::set_num_threads(1);
    const at::Tensor one = p.apply_batch(batch, 3);
    at::set_num_threads(2);
    const at::Tensor two = p.apply_batch(batch, 3);
    EXPECT_TRUE(at::equal(one, two)) << k << " clips";
  }
  at::set_num_threads(before);
}

TEST(TransformPipeline, ErrorsNameTheItemAsWritten) {
  const at::Tensor x = test::random_clip(1, 72, 96, 6);
  EXPECT_EQ(test::error_message<InvalidArgument>([&] { Pipeline::parse("resize_short=72,center_crop=500", "--transform").apply(x, 0); }),
            "--transform item 2 'center_crop=500': crop 500x500 larger than frame 96x72");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("hflip,blurr=2"); }),
            "transform item 2 'blurr=2': unknown transform 'blurr' (known: center_crop, channel_shuffle, color_jitter, "
            "dct_quantize, equalize, gaussian_blur, gaussian_noise, hflip, invert, normalize, overlay, random_crop, random_pad, "
            "random_resized_crop, resize, resize_short, reverse, speed, temporal_jitter, temporal_stride, to_float, to_uint8, "
            "transpose, vflip)");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("hflip=abc"); }),
            "transform item 1 'hflip=abc': expected a probability P, got 'abc'");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("resize=0x10"); }),
            "transform item 1 'resize=0x10': expected a size WxH or N (1..16384), got '0'");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("normalize=0.5;0.5:0.2"); }),
            "transform item 1 'normalize=0.5;0.5:0.2': expected as many means as stds, got 2 and 1");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("random_resized_crop=32:0.5-2"); }),
            "transform item 1 'random_resized_crop=32:0.5-2': expected a scale range 0 < min <= max <= 1, got 0.5-2");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("resize_short"); }), "transform item 1 'resize_short': resize_short needs a value");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("equalize=1"); }), "transform item 1 'equalize=1': equalize takes no value");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("hflip,,equalize"); }), "transform item 2 '': expected NAME[=VALUE]");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse(""); }),
            "transform: expected NAME[=VALUE] items separated by ',', got ''");
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::from_json(R"([{"name": "hflip", "value": [1]}])"); }),
            R"(transform item 1 '{"name":"hflip","value":[1]}': expected "value" to be a number or a string)");
  EXPECT_NE(test::error_message<InvalidArgument>([] { Pipeline::from_json("[{"); }).find("not valid JSON"), std::string::npos);
  // A step that needs RGB says so, naming the item.
  EXPECT_EQ(test::error_message<InvalidArgument>([] { Pipeline::parse("equalize").apply(at::zeros({1, 4, 4, 1}, at::kByte), 0); }),
            "transform item 1 'equalize': expected a [T,H,W,3] uint8 or float32 clip, got [1,4,4,1] uint8");
}

}  // namespace
}  // namespace vidrep
