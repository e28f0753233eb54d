// Spatio-temporal pyramid pooling (STPP): per-pixel feature maps of a clip, whatever its size and
// length, pooled into a fixed set of cells so that every clip gets a descriptor of the same length.
//
//   StppLevels levels{.spatial = {1, 2, 4}, .temporal = {1, 2}};
//   StppPooler pool(frames, height, width, levels);
//   vidrep::Array means = pool.mean(maps);             // [K,T,C,H,W] -> [K,cells,C] float64
//   vidrep::Array hist = pool.histogram(bins, 59);      // [K,T,H,W] integer -> [K,cells,59] float64
//
// Cells are the product of a temporal and a spatial pyramid (as in Laptev et al., CVPR 2008): for
// each temporal level t and each spatial level s, the clip is cut into t segments along time and an
// s x s grid in space, giving t * s * s cells. Hence, per pooled channel,
//
//   cells = (sum of temporal levels) * (sum over spatial levels of s^2)
//
// e.g. spatial {1,2,4} x temporal {1,2}: (1+2) * (1+4+16) = 63; {1} x {1}: 1 (global pooling).
// Cell order: temporal level, spatial level (both as listed), segment, grid row, grid column.
//
// Segment i of level l over an axis of n samples covers [floor(i*n/l), ceil((i+1)*n/l)), the
// bounds of adaptive average pooling: a partition when l divides n, otherwise neighbouring cells
// share one sample, and no cell is ever empty, so clips smaller than the grid still pool.
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <vector>

namespace vidrep::features {

struct StppLevels {
  std::vector<int> spatial = {1};   // level s: an s x s grid
  std::vector<int> temporal = {1};  // level t: t consecutive segments in time
};

// Throws InvalidArgument unless both lists are non-empty, distinct and within 1..64.
void validate_levels(const StppLevels& levels);

// (sum of temporal levels) * (sum of squared spatial levels).
int64_t stpp_num_cells(const StppLevels& levels);

struct StppCell {
  int temporal_level = 1;
  int segment = 0;  // 0 .. temporal_level-1
  int spatial_level = 1;
  int row = 0;      // 0 .. spatial_level-1
  int col = 0;
};

// Every cell in descriptor order.
std::vector<StppCell> stpp_cells(const StppLevels& levels);

// Pools maps of one geometry (frames x height x width). Immutable after construction, so one
// pooler may be shared by threads.
class StppPooler {
 public:
  // Throws InvalidArgument for invalid levels or a non-positive size.
  StppPooler(int64_t frames, int64_t height, int64_t width, const StppLevels& levels);

  int64_t num_cells() const { return num_cells_; }

  // float32 or float64 [K,T,C,H,W] -> float64 [K,cells,C]: each channel's mean over each cell,
  // summed in float64.
  Array mean(const Array& maps) const;

  // uint8, int32 or int64 [K,T,H,W] bin indices in [0, num_bins), optional float32 or float64
  // weights of the same shape -> float64 [K,cells,num_bins]: the weight (1 without weights) each
  // bin collects in a cell, divided by the cell's pixel count. Unweighted rows sum to 1; weighted
  // rows sum to the mean weight, so a flat cell pools to zeros instead of an unstable 0/0.
  // Bins [K,T,H,W,G] (G values per pixel, e.g. the R, G, B bytes of a frame) give one histogram
  // per value: float64 [K,cells,G,num_bins]. Counts are exact, so histograms are exact too.
  // Throws InvalidArgument for another shape or dtype, or a bin index out of range.
  Array histogram(const Array& bins, int64_t num_bins, const Array& weights = {}) const;

 private:
  void check_geometry(const Array& a, bool channels_first, const char* what) const;
  // float64 [K, At, Ay, Ax, X] sums per atom, in place -> [K, cells, X] means per cell.
  Array cells_from_atoms(std::vector<double>& atoms, int64_t k, int64_t values) const;
  int64_t atoms_t() const { return static_cast<int64_t>(t_edges_.size()) - 1; }
  int64_t atoms_y() const { return static_cast<int64_t>(y_edges_.size()) - 1; }
  int64_t atoms_x() const { return static_cast<int64_t>(x_edges_.size()) - 1; }

  int64_t frames_, height_, width_, num_cells_;
  // Atoms: the finest partition of each axis that all cell bounds fall on (their edges, from 0 to
  // n). Pixels are summed into atoms first (one pass over the data), then atoms into cells by
  // inclusion-exclusion on a summed-area table of the atoms.
  std::vector<int64_t> t_edges_, y_edges_, x_edges_;
  std::vector<int32_t> atom_t_, atom_y_, atom_x_;  // the atom of each frame, row, column
  std::vector<int64_t> corner_index_;  // [8 * cells]: the 8 corners of each cell in the summed-area table
  std::vector<double> inv_count_;      // [cells]: 1 / pixels in the cell
  int64_t num_atoms_ = 0;
};

}  // namespace vidrep::features
