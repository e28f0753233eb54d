// FeatureExtractor: handcrafted descriptors of video clips (colour, texture, edges, motion), pooled
// by spatio-temporal pyramid pooling into one fixed-length float32 vector per clip.
//
//   vidrep::features::FeatureExtractor fx({.stpp = {.spatial = {1, 2, 4}, .temporal = {1, 2}}});
//   vidrep::Array d = fx.extract(clip);         // uint8 [T,H,W,3] RGB -> float32 [fx.dim()]
//   vidrep::Array m = fx.extract_batch(clips);  // uint8 [K,T,H,W,3]   -> float32 [K, fx.dim()]
//   for (const auto& g : fx.layout()) ...       // which columns hold what
//
// Kinds and the groups of columns they produce (per STPP cell; names as in layout()):
//   color_hist     color_hist             joint HSV histogram, 8x4x4 = 128 bins by default (color.h)
//   color_moments  color_moments          mean, std and third moment of R, G, B in [0,1] (9)
//   lbp            lbp                    uniform LBP(8,1) histogram of luma, 59 bins (texture.h)
//   edges          edges.magnitude        mean and energy (mean square) of the Sobel magnitude (2)
//                  edges.orientation      orientation histogram modulo 180 degrees, 8 bins,
//                                         weighted by magnitude (edges.h)
//   motion         motion.frame_diff      mean |dY| and mean dY^2 between consecutive frames (2)
//                  motion.flow            dense optical flow (optical_flow.h): mean and std of the
//                                         magnitude, mean dx and dy, in pixels per frame (4)
//                  motion.flow_direction  direction histogram over 360 degrees, 8 bins, weighted by
//                                         magnitude (bin 0 rightward, 2 downward)
// Luma is Y = 0.299 R + 0.587 G + 0.114 B in [0,1]. Histograms are fractions of the cell's pixels
// (weighted ones: the mean weight per bin). Motion maps have T-1 frames, pooled over their own
// temporal segments; motion needs T >= 2.
//
// Every group is a per-pixel map pooled by STPP (stpp.h): a group of C channels fills C * cells
// consecutive columns, cell-major (column = offset + cell * C + channel, cells in stpp_cells()
// order), and groups follow the kind order above whatever order `kinds` lists them in. So
//
//   D = cells * (sum of channels of the chosen groups),   cells = (sum temporal) * (sum spatial^2)
//
// e.g. all kinds with defaults: 220 channels; D = 220 global, 220 * 63 = 13860 with spatial
// {1,2,4} x temporal {1,2}. D depends only on the options, never on the clip's size or length.
// Part of the I/O core (no LibTorch), so `vidrep features` starts without loading it.
// Immutable after construction: extract() may be called from several threads.
#pragma once

#include "vidrep/features/color.h"
#include "vidrep/features/optical_flow.h"
#include "vidrep/features/stpp.h"

#include "vidrep/array.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::features {

enum class FeatureKind { ColorHist, ColorMoments, Lbp, Edges, Motion };

// "color_hist" | "color_moments" | "lbp" | "edges" | "motion"; throws InvalidArgument.
FeatureKind parse_feature_kind(const std::string& name);
// A comma-separated list, e.g. "color_hist,lbp"; "all" for every kind. Throws on repeats.
std::vector<FeatureKind> parse_feature_kinds(const std::string& list);
std::string to_string(FeatureKind kind);
std::vector<FeatureKind> all_feature_kinds();

struct FeatureOptions {
  std::vector<FeatureKind> kinds = all_feature_kinds();
  StppLevels stpp{};       // default {1} x {1}: global pooling
  HsvBins hsv{};           // color_hist bins
  int edge_bins = 8;       // edges.orientation bins over 180 degrees
  int flow_bins = 8;       // motion.flow_direction bins over 360 degrees
  FlowOptions flow{};
  int threads = 0;         // extract_batch() describes this many clips at once; 0: one per core
};

struct FeatureGroup {
  std::string name;                   // e.g. "edges.orientation"
  FeatureKind kind;
  int64_t offset = 0;                 // first column
  int64_t length = 0;                 // cells * channels.size()
  int64_t cells = 0;
  std::vector<std::string> channels;  // per-cell channel names, in column order
};

class FeatureExtractor {
 public:
  // Throws InvalidArgument for an empty or repeated kind list or out-of-range options.
  explicit FeatureExtractor(FeatureOptions options = {});

  const FeatureOptions& options() const { return options_; }
  int64_t dim() const { return dim_; }
  const std::vector<FeatureGroup>& layout() const { return layout_; }
  const std::vector<StppCell>& cells() const { return cells_; }
  bool needs_motion() const;  // clips must then have at least 2 frames

  // uint8 [T,H,W,3] RGB -> float32 [dim()]. Throws InvalidArgument for another shape or dtype.
  Array extract(const Array& clip) const;
  // uint8 [K,T,H,W,3] -> float32 [K, dim()]: the same rows as extract() on each clip, bit for bit,
  // the clips spread over options().threads threads (thread_pool.h's parallel_for).
  Array extract_batch(const Array& clips) const;

 private:
  void check_clips(const Array& clips, bool batch) const;
  // One clip, uint8 [T,H,W,3], -> its dim() values in `row`, on the calling thread; pairs is
  // null without motion.
  void describe_clip(const uint8_t* clip, int64_t t, int64_t h, int64_t w, const StppPooler& frames,
                     const StppPooler* pairs, float* row) const;

  FeatureOptions options_;
  std::vector<StppCell> cells_;
  std::vector<FeatureGroup> layout_;
  int64_t dim_ = 0;
};

}  // namespace vidrep::features
