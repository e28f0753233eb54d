// Spatio-temporal pyramid pooling: the cell count formula, cell means and histograms against a
// brute-force loop over each cell's pixels, and a fixed descriptor length for any clip size.
#include "vidrep/error.h"
#include "vidrep/features/feature_extractor.h"
#include "vidrep/features/stpp.h"

#include "features/feature_test_support.h"

#include <gtest/gtest.h>

namespace vidrep {
namespace {

using features::StppCell;
using features::StppLevels;
using features::StppPooler;

struct Range {
  int64_t lo, hi;
};
// The documented bounds: segment i of level l over n samples is [floor(i n / l), ceil((i+1) n / l)).
Range bounds(int64_t n, int64_t l, int64_t i) {
  return {static_cast<int64_t>(std::floor(double(i) * n / l)), static_cast<int64_t>(std::ceil(double(i + 1) * n / l))};
}

TEST(FeaturesStpp, CellCountFollowsTheFormula) {
  struct Case {
    StppLevels levels;
    int64_t cells;
  };
  const Case cases[] = {{{{1}, {1}}, 1},           {{{1, 2, 4}, {1}}, 21},     {{{1, 2, 4}, {1, 2}}, 63},
                        {{{1, 3}, {1, 2, 4}}, 70}, {{{2}, {3}}, 12},           {{{4, 1, 2}, {2, 1}}, 63}};
  for (const Case& c : cases) {
    EXPECT_EQ(features::stpp_num_cells(c.levels), c.cells);
    EXPECT_EQ(static_cast<int64_t>(features::stpp_cells(c.levels).size()), c.cells);
    EXPECT_EQ(StppPooler(5, 7, 9, c.levels).num_cells(), c.cells);
  }
  // Order: temporal level, spatial level, segment, row, column.
  const auto cells = features::stpp_cells({{1, 2}, {1, 2}});
  ASSERT_EQ(cells.size(), 15u);
  EXPECT_EQ(cells[0].spatial_level, 1);
  EXPECT_EQ(cells[2].row * 2 + cells[2].col, 1);
  const StppCell last = cells.back();
  EXPECT_EQ(last.temporal_level, 2);
  EXPECT_EQ(last.segment, 1);
  EXPECT_EQ(last.spatial_level, 2);
  EXPECT_EQ(last.row, 1);
  EXPECT_EQ(last.col, 1);
}

TEST(FeaturesStpp, MeanMatchesEachCellsPixels) {
  // Sizes not divisible by the levels, and one smaller than a level: cells overlap, none is empty.
  const StppLevels levels{{1, 2, 4}, {1, 2, 3}};
  at::manual_seed(1);
  for (const auto& [t, h, w] : {std::tuple{5, 7, 9}, std::tuple{2, 3, 11}, std::tuple{6, 8, 8}}) {
    SCOPED_TRACE(testing::Message() << t << " frames of " << w << "x" << h);
    const at::Tensor maps = at::rand({2, t, 3, h, w}, at::kDouble);
    const at::Tensor pooled = to_tensor(StppPooler(t, h, w, levels).mean(to_array(maps)));
    ASSERT_EQ(pooled.sizes(), (at::IntArrayRef{2, features::stpp_num_cells(levels), 3}));
    int64_t c = 0;
    for (const StppCell& cell : features::stpp_cells(levels)) {
      const Range rt = bounds(t, cell.temporal_level, cell.segment), ry = bounds(h, cell.spatial_level, cell.row),
                  rx = bounds(w, cell.spatial_level, cell.col);
      ASSERT_LT(rt.lo, rt.hi);
      const at::Tensor pixels = maps.slice(1, rt.lo, rt.hi).slice(3, ry.lo, ry.hi).slice(4, rx.lo, rx.hi);
      EXPECT_TRUE(at::allclose(pooled.select(1, c), pixels.mean({1, 3, 4}), 1e-12, 1e-12)) << "cell " << c;
      ++c;
    }
  }
}

TEST(FeaturesStpp, HistogramMatchesEachCellsPixels) {
  const StppLevels levels{{1, 3}, {1, 2}};
  const int64_t t = 5, h = 7, w = 10, bins = 6;
  at::manual_seed(2);
  const at::Tensor index = at::randint(0, bins, {2, t, h, w}, at::kLong);
  const at::Tensor weight = at::rand({2, t, h, w}, at::kDouble);
  const StppPooler pool(t, h, w, levels);
  const at::Tensor counts = to_tensor(pool.histogram(to_array(index), bins));
  const at::Tensor weighted = to_tensor(pool.histogram(to_array(index), bins, to_array(weight)));
  int64_t c = 0;
  for (const StppCell& cell : features::stpp_cells(levels)) {
    const Range rt = bounds(t, cell.temporal_level, cell.segment), ry = bounds(h, cell.spatial_level, cell.row),
                rx = bounds(w, cell.spatial_level, cell.col);
    const at::Tensor i = index.slice(1, rt.lo, rt.hi).slice(2, ry.lo, ry.hi).slice(3, rx.lo, rx.hi);
    const at::Tensor v = weight.slice(1, rt.lo, rt.hi).slice(2, ry.lo, ry.hi).slice(3, rx.lo, rx.hi);
    const double n = static_cast<double>(i[0].numel());
    for (int64_t k = 0; k < 2; ++k) {
      for (int64_t b = 0; b < bins; ++b) {
        const at::Tensor in_bin = i[k].eq(b);
        EXPECT_NEAR(counts[k][c][b].item<double>(), in_bin.sum().item<double>() / n, 1e-12);
        EXPECT_NEAR(weighted[k][c][b].item<double>(), v[k].masked_select(in_bin).sum().item<double>() / n, 1e-12);
      }
      EXPECT_NEAR(counts[k][c].sum().item<double>(), 1.0, 1e-12);  // fractions of the cell's pixels
    }
    ++c;
  }
  EXPECT_THROW(pool.histogram(to_array(index + 1), bins), InvalidArgument);  // a bin index == num_bins
}

TEST(FeaturesStpp, DescriptorLengthIsTheSameForAnySizeAndLength) {
  const features::FeatureExtractor fx({.stpp = {.spatial = {1, 2, 4}, .temporal = {1, 2}}});
  int64_t channels = 0;
  for (const auto& g : fx.layout()) channels += static_cast<int64_t>(g.channels.size());
  EXPECT_EQ(channels, 220);
  EXPECT_EQ(fx.dim(), 63 * channels);
  for (const auto& [t, h, w] :
       {std::tuple{16, 112, 112}, std::tuple{5, 37, 53}, std::tuple{2, 3, 2}, std::tuple{9, 1, 20}}) {
    SCOPED_TRACE(testing::Message() << t << " frames of " << w << "x" << h);
    const at::Tensor d = test::extract(fx, test::textured_clip(t, h, w, 1, 0));
    EXPECT_EQ(d.sizes(), (at::IntArrayRef{fx.dim()}));
    EXPECT_TRUE(at::isfinite(d).all().item<bool>());
  }
  // Global pooling: one cell.
  EXPECT_EQ(features::FeatureExtractor(features::FeatureOptions{}).dim(), channels);
}

TEST(FeaturesStpp, RejectsBadLevels) {
  for (const StppLevels& bad : {StppLevels{{}, {1}}, StppLevels{{1}, {}}, StppLevels{{0}, {1}}, StppLevels{{1, 2, 2}, {1}},
                                StppLevels{{1}, {65}}}) {
    EXPECT_THROW(features::validate_levels(bad), InvalidArgument);
    EXPECT_THROW(StppPooler(4, 4, 4, bad), InvalidArgument);
  }
  EXPECT_THROW(StppPooler(0, 4, 4, {}), InvalidArgument);
  EXPECT_THROW(StppPooler(4, 4, 4, {}).mean(to_array(at::zeros({1, 4, 1, 4, 5}))), InvalidArgument);  // wrong width
}

}  // namespace
}  // namespace vidrep
