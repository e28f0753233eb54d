// Batch samplers: the default shuffle covers every sample once per epoch; the distributed split
// gives every rank the same number of disjoint batches of the same epoch; the bucketed sampler
// groups clips of mixed aspect ratios into batches of one shape, and the loader decodes each
// batch at its shape (16:9, 4:3, 1:1 and 9:16 videos together).
#include "vidrep/data/batch_sampler.h"

#include "vidrep/data/loader.h"
#include "vidrep/error.h"

#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace vidrep {
namespace {

std::vector<int64_t> flat(const std::vector<PlannedBatch>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.samples.begin(), b.samples.end());
  return out;
}

TEST(BatchSampler, ShuffledCoversEverySampleOncePerEpoch) {
  const ShuffledBatches s(10, 3, false, true, 7);
  const auto e0 = s.batches(0), e1 = s.batches(1);
  ASSERT_EQ(e0.size(), 4u);
  EXPECT_EQ(e0.back().samples.size(), 1u);
  auto all = flat(e0);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(flat(e0), flat(e1));       // another epoch, another order
  EXPECT_EQ(flat(e0), flat(s.batches(0)));  // deterministic
  EXPECT_EQ(ShuffledBatches(10, 3, true, true, 7).batches(0).size(), 3u);  // drop_last
  EXPECT_EQ(flat(ShuffledBatches(4, 2, false, false, 7).batches(5)), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_THROW(ShuffledBatches(4, 0, false, false, 0), InvalidArgument);
}

TEST(BatchSampler, DistributedRanksSplitEveryBatchWithoutOverlap) {
  auto all = std::make_shared<ShuffledBatches>(23, 8, false, true, 3);  // batches of 8, 8, 7
  const auto whole = all->batches(4);
  std::set<int64_t> seen;
  std::vector<std::vector<PlannedBatch>> ranks;
  for (int rank = 0; rank < 3; ++rank) ranks.push_back(DistributedBatches(all, rank, 3).batches(4));
  for (size_t b = 0; b < whole.size(); ++b) {
    std::vector<int64_t> joined;
    for (int rank = 0; rank < 3; ++rank) {
      ASSERT_EQ(ranks[static_cast<size_t>(rank)].size(), whole.size());  // every rank in step
      const auto& part = ranks[static_cast<size_t>(rank)][b].samples;
      EXPECT_GE(part.size(), whole[b].samples.size() / 3);
      EXPECT_LE(part.size(), whole[b].samples.size() / 3 + 1);
      joined.insert(joined.end(), part.begin(), part.end());
    }
    EXPECT_EQ(joined, whole[b].samples);  // the ranks' parts, in rank order, are the global batch
  }
  for (const auto& mine : ranks)
    for (int64_t i : flat(mine)) EXPECT_TRUE(seen.insert(i).second) << "sample " << i << " on two ranks";
  EXPECT_EQ(seen.size(), 23u);
  // A batch smaller than the world leaves some ranks an empty part, still in step.
  auto tiny = std::make_shared<ShuffledBatches>(1, 4, false, false, 0);
  EXPECT_TRUE(DistributedBatches(tiny, 0, 2).batches(0)[0].samples.empty());
  EXPECT_EQ(DistributedBatches(tiny, 1, 2).batches(0)[0].samples, (std::vector<int64_t>{0}));
  EXPECT_THROW(DistributedBatches(all, 3, 3), InvalidArgument);
}

BucketConfig small_table() {
  BucketConfig c;
  c.multiple_of = 16;
  c.drop_last = false;
  c.buckets = {{"small", 96 * 96, {4}, {"9:16", "1:1", "4:3", "16:9"}, 2}};  // 80x128, 80x112, 96x96, 128x80
  return c;
}

TEST(BatchSampler, BucketedBatchesHaveOneShapeEach) {
  // 16:9, 4:3, 1:1 and 9:16 clips, three of each.
  std::vector<BucketSample> sizes;
  for (int i = 0; i < 3; ++i) {
    sizes.push_back({180, 320, 10});
    sizes.push_back({180, 240, 10});
    sizes.push_back({180, 180, 10});
    sizes.push_back({320, 180, 10});
  }
  sizes.push_back({8, 8, 10});  // too small for every bucket
  const BucketedBatches s(sizes, small_table(), 1, false);
  EXPECT_EQ(s.unassigned(), (std::vector<int64_t>{12}));
  EXPECT_EQ(s.shapes().size(), 4u);
  std::set<std::pair<int64_t, int64_t>> shapes;
  for (const auto& b : s.batches(0)) {
    ASSERT_GT(b.shape.frames, 0);
    for (int64_t i : b.samples) {
      const BucketSample& x = sizes[static_cast<size_t>(i)];
      // Every member has the batch's orientation: wide clips in wide batches, tall in tall.
      EXPECT_EQ(x.width > x.height, b.shape.width > b.shape.height);
      EXPECT_EQ(x.width == x.height, b.shape.width == b.shape.height);
    }
    shapes.emplace(b.shape.height, b.shape.width);
  }
  EXPECT_EQ(shapes.size(), 4u);
  auto covered = flat(s.batches(0));
  EXPECT_EQ(covered.size(), 12u);  // drop_last off: every assigned sample, once
}

TEST(BatchSampler, LoaderDecodesEachBatchAtItsBucketShape) {
  Dataset d;
  d.classes = {"a", "b"};
  std::vector<BucketSample> sizes;
  int n = 0;
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{320, 180}, {240, 180}, {180, 180}, {180, 320}}) {
    for (int k = 0; k < 2; ++k, ++n) {
      d.samples.push_back({test::make_video(fmt::format("bucket_{}x{}_{}.mp4", w, h, k),
                                            fmt::format("-f lavfi -i testsrc2=size={}x{}:rate=10:duration=1 "
                                                        "-c:v libx264 -pix_fmt yuv420p", w, h)),
                           {n % 2}, 0, -1});
      sizes.push_back({h, w, 10});
    }
  }
  auto sampler = std::make_shared<BucketedBatches>(sizes, small_table(), 5, false);
  LoaderOptions o{.batch_size = 99, .workers = 2, .seed = 5};
  o.batch_sampler = sampler;
  DataLoader loader(d, o);
  loader.start_epoch(0);
  const auto plan = sampler->batches(0);
  std::set<std::vector<int64_t>> seen_shapes;
  size_t b = 0;
  while (auto batch = loader.next()) {
    ASSERT_LT(b, plan.size());
    const BucketShape& s = plan[b++].shape;
    EXPECT_EQ(batch->video.sizes(), (at::IntArrayRef{batch->video.size(0), 3, s.frames, s.height, s.width}));
    EXPECT_EQ(batch->video.size(0), 2);
    seen_shapes.insert(batch->video.sizes().vec());
  }
  EXPECT_EQ(b, plan.size());
  EXPECT_EQ(seen_shapes.size(), 4u);  // four aspect ratios, four shapes
}

}  // namespace
}  // namespace vidrep
