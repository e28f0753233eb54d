// Tracking metrics on hand-made sequences whose MOTA and IDF1 are worked out by hand; the Hungarian
// assignment against every assignment of a small matrix.
#include "vidrep/track/mot_metrics.h"
#include "vidrep/track/tracker.h"

#include "vidrep/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>

namespace vidrep {
namespace {

using track::MotBoxes;

// Two objects walking right, 10 frames: a at y = 0, b at y = 100.
MotBoxes two_walkers() {
  MotBoxes m;
  for (int64_t f = 1; f <= 10; ++f) {
    m[f].push_back({1, {static_cast<float>(10 * f), 0, 20, 20}});
    m[f].push_back({2, {static_cast<float>(10 * f), 100, 20, 20}});
  }
  return m;
}

TEST(MotMetrics, PerfectSwappedAndMissedTracks) {
  const MotBoxes truth = two_walkers();
  const track::MotMetrics same = track::evaluate_tracking(truth, truth);
  EXPECT_DOUBLE_EQ(same.mota, 1.0);
  EXPECT_DOUBLE_EQ(same.idf1, 1.0);
  EXPECT_DOUBLE_EQ(same.motp, 1.0);

  // The tracker swaps the two identities from frame 6 on: two switches (one per object); each
  // truth trajectory shares 5 frames with each tracked one, so IDTP = 5 + 5 of 20 + 20 boxes.
  MotBoxes swapped = truth;
  for (int64_t f = 6; f <= 10; ++f) {
    for (auto& b : swapped[f]) b.id = 3 - b.id;
  }
  const track::MotMetrics s = track::evaluate_tracking(truth, swapped);
  EXPECT_EQ(s.id_switches, 2);
  EXPECT_DOUBLE_EQ(s.mota, 1.0 - 2.0 / 20);
  EXPECT_DOUBLE_EQ(s.idf1, 2.0 * 10 / 40);

  // Object 2 missed in frames 1-4, a false box in frame 10 far from both: 4 misses, 1 false
  // positive; IDF1 = 2 * 16 / (20 + 17).
  MotBoxes partial = truth;
  for (int64_t f = 1; f <= 4; ++f) partial[f].pop_back();
  partial[10].push_back({9, {500, 500, 20, 20}});
  const track::MotMetrics p = track::evaluate_tracking(truth, partial);
  EXPECT_EQ(p.misses, 4);
  EXPECT_EQ(p.false_positives, 1);
  EXPECT_EQ(p.id_switches, 0);
  EXPECT_DOUBLE_EQ(p.mota, 1.0 - 5.0 / 20);
  EXPECT_DOUBLE_EQ(p.idf1, 2.0 * 16 / 37);
}

TEST(MotMetrics, ParsesMotTextAndRefusesBadLines) {
  const MotBoxes m = track::parse_mot("1,1,10,20,30,40,1,-1,-1,-1\n1,2,0,0,5,5,0,-1,-1,-1\n3,1,1.5,2,3,4\n");
  ASSERT_EQ(m.size(), 2u);
  ASSERT_EQ(m.at(1).size(), 1u);  // the 0-confidence row is an "ignore" row
  EXPECT_FLOAT_EQ(m.at(3)[0].box.x, 1.5f);
  for (const char* bad : {"1,1,10,20\n", "0,1,1,1,1,1\n", "1,1,a,1,1,1\n", "1,1,1,1,0,1\n"}) {
    EXPECT_THROW(track::parse_mot(bad), InvalidArgument) << bad;
  }
}

TEST(MotMetrics, HungarianFindsTheLeastCost) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 50; ++trial) {
    const int rows = 1 + trial % 4, cols = 1 + (trial / 4) % 5;
    std::vector<std::vector<double>> cost(rows, std::vector<double>(cols));
    for (auto& r : cost)
      for (double& c : r) c = u(rng) < 0.2 ? 1e9 : u(rng);
    const std::vector<int> got = track::assign_least_cost(cost, 1e9);
    // Brute force: every injective assignment of rows to columns or to nothing.
    double best = 1e18;
    std::vector<int> pick(rows, -1);
    std::function<void(int, double, std::vector<bool>&)> search = [&](int r, double sum, std::vector<bool>& used) {
      if (r == rows) {
        best = std::min(best, sum);
        return;
      }
      search(r + 1, sum + 10, used);  // unassigned: costs more than any allowed pair
      for (int c = 0; c < cols; ++c) {
        if (used[c] || cost[r][c] >= 1e9) continue;
        used[c] = true;
        search(r + 1, sum + cost[r][c], used);
        used[c] = false;
      }
    };
    std::vector<bool> used(cols, false);
    search(0, 0, used);
    double sum = 0;
    std::vector<bool> taken(cols, false);
    for (int r = 0; r < rows; ++r) {
      if (got[r] < 0) {
        sum += 10;
        continue;
      }
      ASSERT_LT(cost[r][got[r]], 1e9);
      ASSERT_FALSE(taken[got[r]]);
      taken[got[r]] = true;
      sum += cost[r][got[r]];
    }
    EXPECT_NEAR(sum, best, 1e-9) << "trial " << trial;
  }
}

}  // namespace
}  // namespace vidrep
