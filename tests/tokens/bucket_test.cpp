// Bucketing: which bucket and target shape a clip gets, the bucket table's JSON form and errors,
// deterministic batching, and the warning for buckets that can never fill a batch.
#include "vidrep/error.h"
#include "vidrep/tokens/bucketer.h"
#include "vidrep/tokens/fit_clip.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace vidrep {
namespace {

std::string config_error(const std::string& json) {
  return test::error_message<ConfigError>([&] { BucketConfig::from_json(json); });
}

TEST(TokensBucket, AssignsResolutionFramesAndAspectRatio) {
  const Bucketer b;  // the built-in table
  struct Case {
    int64_t height, width, frames;
    std::string key;
    BucketShape shape;
  };
  const std::vector<Case> cases = {
      {720, 1280, 90, "720p/64f/16:9", {64, 720, 1280}},
      {1080, 1920, 20, "720p/16f/16:9", {16, 720, 1280}},    // larger: shrunk, never a bigger class
      {1280, 720, 40, "720p/32f/9:16", {32, 1280, 720}},     // portrait
      {1000, 1000, 16, "720p/16f/1:1", {16, 960, 960}},
      {800, 1920, 64, "720p/64f/16:9", {64, 720, 1280}},     // 2.4:1 goes to the nearest, 16:9
      {480, 640, 16, "360p/16f/4:3", {16, 416, 560}},        // 307,200 px < 480p's 409,440
      {240, 426, 33, "240p/32f/16:9", {32, 240, 432}},       // sides rounded to multiples of 16
  };
  for (const Case& c : cases) {
    const auto a = b.assign(c.height, c.width, c.frames);
    ASSERT_TRUE(a.has_value()) << c.key;
    EXPECT_EQ(a->key, c.key);
    EXPECT_EQ(a->shape, c.shape) << c.key << ": " << a->shape.frames << "x" << a->shape.height << "x" << a->shape.width;
    EXPECT_EQ(a->shape.height % 16, 0);
    EXPECT_EQ(a->shape.width % 16, 0);
  }
  EXPECT_FALSE(b.assign(300, 300, 100).has_value());  // smaller than 240p
  EXPECT_FALSE(b.assign(720, 1280, 10).has_value());  // shorter than 16 frames
  EXPECT_THROW(b.assign(0, 1280, 16), InvalidArgument);
}

TEST(TokensBucket, FitClipResizesCoversCropsTheCentreAndTrims) {
  const FitPlan p = plan_fit(48, 80, {16, 32, 32});
  EXPECT_EQ(p.resize_height, 32);
  EXPECT_EQ(p.resize_width, 53);
  EXPECT_EQ(p.crop_top, 0);
  EXPECT_EQ(p.crop_left, 10);

  // Frame t is filled with t, and its right half with 200: the crop shows the centre.
  at::Tensor clip = at::arange(20, at::kByte).view({20, 1, 1, 1}).expand({20, 48, 80, 3}).clone();
  clip.narrow(2, 40, 40).fill_(200);
  const at::Tensor out = fit_clip(clip, {16, 32, 32});
  ASSERT_EQ(out.sizes(), (at::IntArrayRef{16, 32, 32, 3}));
  EXPECT_EQ(out.scalar_type(), at::kByte);
  for (int64_t t = 0; t < 16; ++t) EXPECT_EQ(out[t][5][0][0].item<int>(), t);  // first 16 frames, in order
  EXPECT_EQ(out[3][5][31][1].item<int>(), 200);
  const at::Tensor f = fit_clip(clip.to(at::kFloat), {16, 32, 32});
  EXPECT_EQ(f.scalar_type(), at::kFloat);
  // uint8 is the float result rounded once (<= 0.5), give or take float32 summation order.
  EXPECT_LE((f - out.to(at::kFloat)).abs().max().item<float>(), 0.501f);
  EXPECT_THROW(fit_clip(clip, {21, 32, 32}), InvalidArgument);
}

BucketConfig small_config() {
  return BucketConfig::from_json(R"({
    "multiple_of": 8,
    "buckets": [
      {"name": "small", "area": 4096, "frames": [8], "aspect_ratios": ["16:9", "1:1"], "batch_size": 4},
      {"name": "big", "area": 16384, "frames": [8, 16], "aspect_ratios": ["16:9"], "batch_size": 2}
    ]})");
}

TEST(TokensBucket, PlanIsDeterministicAndEveryBatchHasOneShape) {
  const Bucketer b(small_config());
  std::vector<BucketSample> samples;
  const BucketSample kinds[3] = {{64, 64, 0}, {90, 160, 0}, {144, 256, 0}};  // small 1:1, small 16:9, big 16:9
  for (int i = 0; i < 60; ++i) samples.push_back({kinds[i % 3].height, kinds[i % 3].width, 8 + i % 12});
  const BucketPlan a = b.plan(samples, 7), again = b.plan(samples, 7), other = b.plan(samples, 8);
  std::set<std::string> buckets;
  for (const auto& x : a.batches) buckets.insert(x.bucket);
  EXPECT_EQ(buckets, (std::set<std::string>{"small/8f/1:1", "small/8f/16:9", "big/8f/16:9", "big/16f/16:9"}));
  std::vector<std::vector<int64_t>> ga, gb, gc;
  for (const auto& x : a.batches) ga.push_back(x.samples);
  for (const auto& x : again.batches) gb.push_back(x.samples);
  for (const auto& x : other.batches) gc.push_back(x.samples);
  EXPECT_EQ(ga, gb);
  EXPECT_NE(ga, gc);

  std::multiset<int64_t> seen(a.dropped.begin(), a.dropped.end());
  for (const BucketBatch& batch : a.batches) {
    const int64_t batch_size = a.assignments[batch.samples[0]]->batch_size;
    EXPECT_EQ(int64_t(batch.samples.size()), batch_size);  // drop_last: full batches only
    for (int64_t i : batch.samples) {
      EXPECT_EQ(a.assignments[i]->key, batch.bucket);
      EXPECT_EQ(a.assignments[i]->shape, batch.shape);
      seen.insert(i);
    }
  }
  EXPECT_EQ(seen.size() + a.unassigned.size(), samples.size());  // every clip once
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), seen.size());
  try {
    b.plan({{64, 64, 8}, {64, 0, 8}}, 1);
    ADD_FAILURE() << "a zero width was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("sample 1: bucket assignment: expected a positive size", 0), 0u) << e.what();
  }
}

TEST(TokensBucket, WarnsWhenABucketCanNeverFillABatch) {
  const Bucketer b(small_config());
  std::vector<BucketSample> samples(10, {72, 128, 8});    // small/8f/16:9: 10 clips, batch 4
  samples.push_back({64, 64, 8});                         // small/8f/1:1: 2 clips, batch 4
  samples.push_back({70, 70, 9});
  samples.push_back({16, 16, 8});                         // fits nothing
  const BucketPlan plan = b.plan(samples, 1);
  const auto has = [&](const std::string& text) {
    return std::any_of(plan.warnings.begin(), plan.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("bucket small/8f/1:1 gets 2 clips for a batch size of 4: it never fills a batch, so its clips "
                  "are dropped")) << ::testing::PrintToString(plan.warnings);
  EXPECT_FALSE(has("small/8f/16:9"));  // 10 clips fill two batches of 4
  EXPECT_TRUE(has("no clips reach the bucket entries big/16f, big/8f"));
  EXPECT_TRUE(has("1 of 13 clips fit no bucket"));
  EXPECT_EQ(plan.unassigned, std::vector<int64_t>{12});
  EXPECT_EQ(plan.batches.size(), 2u);
  EXPECT_EQ(plan.dropped.size(), 4u);  // 2 of 16:9's ten, and both 1:1 clips

  BucketConfig keep = small_config();
  keep.drop_last = false;
  const BucketPlan kept = Bucketer(keep).plan(samples, 1);
  EXPECT_EQ(kept.batches.size(), 4u);  // 4 + 4 + 2 (16:9) and 2 (1:1)
  EXPECT_TRUE(kept.dropped.empty());
}

TEST(TokensBucket, ConfigJsonRoundTripsAndNamesTheBadField) {
  const BucketConfig d = BucketConfig::defaults();
  EXPECT_EQ(d.buckets.size(), 12u);
  const BucketConfig back = BucketConfig::from_json(d.to_json());
  ASSERT_EQ(back.buckets.size(), d.buckets.size());
  for (size_t i = 0; i < d.buckets.size(); ++i) {
    EXPECT_EQ(back.buckets[i].name, d.buckets[i].name);
    EXPECT_EQ(back.buckets[i].area, d.buckets[i].area);
    EXPECT_EQ(back.buckets[i].frames, d.buckets[i].frames);
    EXPECT_EQ(back.buckets[i].aspect_ratios, d.buckets[i].aspect_ratios);
    EXPECT_EQ(back.buckets[i].batch_size, d.buckets[i].batch_size);
  }
  EXPECT_EQ(resolution_area(240), 240 * 426);
  EXPECT_DOUBLE_EQ(parse_aspect_ratio("2.39:1", "x"), 1 / 2.39);

  const std::string dir = test::scratch_dir("tokens_bucket_config");
  std::ofstream(dir + "/b.json") << R"({"buckets": [{"resolution": 360, "frames": [4], "aspect_ratios": ["1:1"],
                                        "batch_size": 3}]})";
  const BucketConfig loaded = BucketConfig::load(dir + "/b.json");
  EXPECT_EQ(loaded.buckets[0].name, "360p");
  EXPECT_EQ(loaded.buckets[0].area, 360 * 640);

  const std::string head = R"({"buckets": [{"resolution": 240, "aspect_ratios": ["16:9"], )";
  EXPECT_EQ(config_error(head + R"("frames": [16, -4], "batch_size": 2}]})"),
            "buckets[0].frames[1]: expected a positive integer, got -4");
  EXPECT_EQ(config_error(R"({"buckets": [{"resolution": 240, "aspect_ratios": ["16-9"], "frames": [16], "batch_size": 2}]})"),
            "buckets[0] (240p).aspect_ratios: expected an aspect ratio \"W:H\" such as \"16:9\", got '16-9'");
  EXPECT_NE(config_error(head + R"("frames": [16], "batch_size": 0}]})").find("buckets[0].batch_size"), std::string::npos);
  EXPECT_NE(config_error(head + R"("frames": [16], "batch": 2}]})").find("unknown field 'batch'"), std::string::npos);
  EXPECT_NE(config_error(R"({"buckets": []})").find("at least one bucket"), std::string::npos);
  EXPECT_NE(config_error("{nope").find("invalid JSON"), std::string::npos);
  EXPECT_NE(config_error(head + R"("frames": [16], "batch_size": 2}, )" +
                         R"({"resolution": 240, "aspect_ratios": ["1:1"], "frames": [16], "batch_size": 1}]})")
                .find("240p with 16 frames is defined twice"),
            std::string::npos);
  EXPECT_THROW(BucketConfig::load(dir + "/missing.json"), OpenError);
}

}  // namespace
}  // namespace vidrep
