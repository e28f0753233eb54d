// Temporal matching of two videos' descriptor rows: where a query copies part of a reference.
// A copy is a line in the query x reference similarity matrix, ref row = speed * query row +
// offset: speed 1 for a plain copy, 0.5 to 2 for a slowed or sped-up one. Each match of a query
// row among its top_k reference rows above min_similarity proposes the line through it for every
// speed of kSpeeds (a Hough vote, as temporal match kernels find offsets); along each proposed
// line, the run of query rows with the largest total of (similarity - min_similarity) is its
// segment, and the best line's segment wins. Unlike a free chain of matches, a line cannot stay on
// one reference row of a static scene while the query moves on, so the reference segment has the
// length the speed says.
//
//   SegmentMatch m = best_segment(sim);   // sim float32 [query rows, ref rows] (cosines)
//   if (m.length > 0) ... m.query_first..m.query_last, m.ref_first..m.ref_last, m.score
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

namespace vidrep::retrieval {

// The speeds (reference rows per query row) a copy may have been played at, the likelier first:
// of lines that match equally well (a still shot), the first listed wins.
inline constexpr std::array<double, 7> kSpeeds = {1.0, 0.8, 1.25, 2.0 / 3, 1.5, 0.5, 2.0};

// The score from which two videos are taken for copies (dedup's default; search lists the best k
// whatever their score). On bench/retrieval (real footage), no unrelated pair scored 0.6 or more
// and 84 % of the copies did (at 0.5: 87 % of the copies, and 8 of 200 unrelated pairs).
inline constexpr double kCopyThreshold = 0.6;

struct MatchOptions {
  double min_similarity = 0.3;  // cosines at or below count against a segment
  int64_t top_k = 5;            // reference rows each query row proposes lines through
};

struct SegmentMatch {
  // The segment's similarity total over (length + 1): near its mean similarity for long
  // segments, lower for one or two rows, which unrelated videos also give. 0 without a segment.
  double score = 0;
  int64_t length = 0;  // query rows in the segment
  double speed = 1;
  int64_t query_first = 0, query_last = 0;  // rows, inclusive
  int64_t ref_first = 0, ref_last = 0;
};

// sim: float32 [n, m]. InvalidArgument for another rank or dtype.
SegmentMatch best_segment(const at::Tensor& sim, const MatchOptions& options = {});

}  // namespace vidrep::retrieval
