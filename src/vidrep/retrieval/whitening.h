// PCA whitening of descriptors, fitted on a collection (an index's videos): centred, rotated onto
// the principal axes, each axis scaled by 1 / sqrt(its variance + a shrinkage), the rest dropped,
// and L2-normalised again. Directions in which every video varies (lighting, the colour every
// frame shares) then count less, and rare ones more: the usual first step for cosine retrieval
// with handcrafted or pretrained descriptors (Jegou & Chum, ECCV 2012).
//
//   Whitening w = Whitening::fit(rows, 256);   // float32 [N,D], N >= kMinRows
//   Array x = w.apply(rows);                    // float32 [N, w.dim()], unit rows
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <string>

namespace vidrep::retrieval {

class Whitening {
 public:
  // Fewer rows than this are only centred (and normalised), not rotated or scaled: the axes would
  // be noise. Centring alone still matters: raw descriptors of any two videos have cosines near
  // 0.9 (every histogram is positive), centred ones spread around 0. One row: the identity.
  static constexpr int64_t kMinRows = 32;
  // Each axis's variance is shrunk by this fraction of the largest before scaling: without it
  // the smallest axes, mostly noise, would be blown up as much as the informative ones.
  static constexpr double kShrinkage = 0.1;

  Whitening() = default;  // the identity

  // rows float32 [N,D]; keeps min(max_dim, D, N - 1) axes; only centres below kMinRows rows.
  static Whitening fit(const Array& rows, int64_t max_dim);
  // rows float32 [N,D] -> [N, dim()], unit rows (the identity just copies). InvalidArgument for
  // another D.
  Array apply(const Array& rows) const;

  bool identity() const { return !mean_.defined(); }
  int64_t input_dim() const { return identity() ? -1 : mean_.size(0); }
  int64_t dim(int64_t input_dim) const { return identity() ? input_dim : projection_.size(1); }

  // whitening.npz: mean [D], projection [D,d]; an identity writes an empty archive.
  void save(const std::string& path) const;
  static Whitening load(const std::string& path);

 private:
  Array mean_;        // float32 [D]
  Array projection_;  // float32 [D,d]: axis k is eigenvector k / sqrt(eigenvalue k + shrinkage);
                      // the identity [D,D] when only centring
};

}  // namespace vidrep::retrieval
