// Temporal matching (retrieval/matching.h): the copied segment is found on its speed line, in both
// videos, and nothing is found where nothing matches.
#include "vidrep/retrieval/matching.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace vidrep {
namespace {

// Background similarities around 0.1, with query rows q0..q1 matching ref rows along
// j = speed * (i - q0) + r0 at `level`.
at::Tensor copy_matrix(int64_t n, int64_t m, int64_t q0, int64_t q1, int64_t r0, double speed, float level) {
  at::manual_seed(1);
  at::Tensor sim = at::rand({n, m}) * 0.2f;
  for (int64_t i = q0; i <= q1; ++i) {
    const auto j = static_cast<int64_t>(std::llround(speed * static_cast<double>(i - q0))) + r0;
    if (j < m) sim[i][j] = level;
  }
  return sim;
}

TEST(Matching, FindsTheCopiedSegmentInBothVideos) {
  const retrieval::SegmentMatch m = retrieval::best_segment(copy_matrix(12, 40, 3, 8, 20, 1.0, 0.9f));
  EXPECT_EQ(m.length, 6);
  EXPECT_EQ(m.query_first, 3);
  EXPECT_EQ(m.query_last, 8);
  EXPECT_EQ(m.ref_first, 20);
  EXPECT_EQ(m.ref_last, 25);
  EXPECT_DOUBLE_EQ(m.speed, 1.0);
  EXPECT_NEAR(m.score, 0.9 * 6 / 7, 1e-6);
}

TEST(Matching, FollowsSpedUpAndSlowedCopies) {
  const retrieval::SegmentMatch fast = retrieval::best_segment(copy_matrix(10, 40, 0, 9, 5, 2.0, 0.8f));
  EXPECT_DOUBLE_EQ(fast.speed, 2.0);
  EXPECT_EQ(fast.ref_first, 5);
  EXPECT_EQ(fast.ref_last, 23);
  const retrieval::SegmentMatch slow = retrieval::best_segment(copy_matrix(20, 40, 0, 19, 4, 0.5, 0.8f));
  EXPECT_DOUBLE_EQ(slow.speed, 0.5);
  EXPECT_EQ(slow.query_first, 0);
  EXPECT_EQ(slow.query_last, 19);
  EXPECT_EQ(slow.ref_first, 4);
  EXPECT_EQ(slow.ref_last, 14);
}

TEST(Matching, AStaticSceneDoesNotShrinkTheReferenceSegment) {
  // Every row of a still shot looks alike: a free chain could stay on one reference row while the
  // query moves on; a line advances with it.
  at::Tensor sim = at::full({6, 30}, 0.1f);
  sim.slice(0, 0, 6).slice(1, 10, 16).fill_(0.85f);
  const retrieval::SegmentMatch m = retrieval::best_segment(sim);
  EXPECT_EQ(m.ref_last - m.ref_first, 5);
  EXPECT_EQ(m.length, 6);
}

TEST(Matching, NothingAboveTheFloorIsNoMatch) {
  const retrieval::SegmentMatch m = retrieval::best_segment(at::rand({8, 8}) * 0.25f);
  EXPECT_EQ(m.length, 0);
  EXPECT_EQ(m.score, 0);
  EXPECT_EQ(retrieval::best_segment(at::zeros({0, 5})).length, 0);
  EXPECT_THROW(retrieval::best_segment(at::zeros({3})), InvalidArgument);
  EXPECT_THROW(retrieval::best_segment(at::zeros({3, 3}, at::kDouble)), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
