#include "vidrep/features/stpp.h"

#include "vidrep/error.h"
#include "vidrep/describe.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <set>

namespace vidrep::features {

namespace {

constexpr int kMaxLevel = 64;

struct Bounds {
  int64_t lo, hi;  // [lo, hi)
};

// Adaptive-pooling bounds of segment i of level l over n samples.
Bounds segment_bounds(int64_t n, int64_t l, int64_t i) { return {i * n / l, ((i + 1) * n + l - 1) / l}; }

// One axis cut into atoms: the intervals between consecutive distinct segment bounds of all levels.
struct Axis {
  std::vector<int64_t> edges;  // sorted, from 0 to n
  int64_t atoms() const { return static_cast<int64_t>(edges.size()) - 1; }
  int64_t atom_at(int64_t edge) const {
    return std::lower_bound(edges.begin(), edges.end(), edge) - edges.begin();
  }
};

Axis make_axis(int64_t n, const std::vector<int>& levels) {
  std::set<int64_t> edges;
  for (int l : levels) {
    for (int64_t i = 0; i < l; ++i) {
      const Bounds b = segment_bounds(n, l, i);
      edges.insert(b.lo);
      edges.insert(b.hi);
    }
  }
  return {std::vector<int64_t>(edges.begin(), edges.end())};
}

// The atom of every sample, as int64 [n].
at::Tensor atom_of(const Axis& axis, int64_t n) {
  at::Tensor v = at::empty({n}, at::kLong);
  auto a = v.accessor<int64_t, 1>();
  for (int64_t j = 0; j < axis.atoms(); ++j) {
    for (int64_t i = axis.edges[j]; i < axis.edges[j + 1]; ++i) a[i] = j;
  }
  return v;
}

// Sums of `x` along `dim` over each atom [edges[j], edges[j+1]): the atoms become that dimension.
at::Tensor sum_atoms(const at::Tensor& x, int64_t dim, const std::vector<int64_t>& edges) {
  if (edges.size() == 2) return x.sum(dim, /*keepdim=*/true);
  std::vector<at::Tensor> parts;
  for (size_t j = 0; j + 1 < edges.size(); ++j) {
    parts.push_back(x.narrow(dim, edges[j], edges[j + 1] - edges[j]).sum(dim));
  }
  return at::stack(parts, dim);
}

void check_list(const std::vector<int>& levels, const char* which) {
  if (levels.empty()) throw InvalidArgument(fmt::format("STPP {} levels: expected at least one level, got none", which));
  std::set<int> seen;
  for (int l : levels) {
    if (l < 1 || l > kMaxLevel) {
      throw InvalidArgument(fmt::format("STPP {} levels: expected levels in 1..{}, got {}", which, kMaxLevel, l));
    }
    if (!seen.insert(l).second) {
      throw InvalidArgument(fmt::format("STPP {} levels: expected distinct levels, got {} twice in {}", which, l,
                                        fmt::join(levels, ",")));
    }
  }
}

}  // namespace

void validate_levels(const StppLevels& levels) {
  check_list(levels.spatial, "spatial");
  check_list(levels.temporal, "temporal");
}

int64_t stpp_num_cells(const StppLevels& levels) {
  int64_t t = 0, s = 0;
  for (int l : levels.temporal) t += l;
  for (int l : levels.spatial) s += static_cast<int64_t>(l) * l;
  return t * s;
}

std::vector<StppCell> stpp_cells(const StppLevels& levels) {
  std::vector<StppCell> cells;
  for (int t : levels.temporal) {
    for (int s : levels.spatial) {
      for (int seg = 0; seg < t; ++seg) {
        for (int row = 0; row < s; ++row) {
          for (int col = 0; col < s; ++col) cells.push_back({t, seg, s, row, col});
        }
      }
    }
  }
  return cells;
}

StppPooler::StppPooler(int64_t frames, int64_t height, int64_t width, const StppLevels& levels)
    : frames_(frames), height_(height), width_(width), num_cells_(stpp_num_cells(levels)) {
  validate_levels(levels);
  if (frames < 1 || height < 1 || width < 1) {
    throw InvalidArgument(
        fmt::format("STPP: expected a positive clip size, got {} frames of {}x{}", frames, width, height));
  }
  const Axis t = make_axis(frames, levels.temporal);
  const Axis y = make_axis(height, levels.spatial);
  const Axis x = make_axis(width, levels.spatial);
  t_edges_ = t.edges;
  y_edges_ = y.edges;
  x_edges_ = x.edges;
  num_atoms_ = t.atoms() * y.atoms() * x.atoms();
  atom_index_ = (atom_of(t, frames).view({-1, 1, 1}) * y.atoms() + atom_of(y, height).view({1, -1, 1})) * x.atoms() +
                atom_of(x, width).view({1, 1, -1});

  // Summed-area table S over atoms, padded with a zero plane in front of each axis: the sum over
  // atoms [t0,t1) x [y0,y1) x [x0,x1) is sum over corners (a,b,c) in {t0,t1}x{y0,y1}x{x0,x1} of
  // S[a,b,c] with sign - for each lower bound.
  const int64_t sy = x.atoms() + 1, st = (y.atoms() + 1) * sy;
  std::vector<int64_t> corners(8 * num_cells_);
  std::vector<double> inv(num_cells_);
  int64_t c = 0;
  for (const StppCell& cell : stpp_cells(levels)) {
    const Bounds bt = segment_bounds(frames, cell.temporal_level, cell.segment);
    const Bounds by = segment_bounds(height, cell.spatial_level, cell.row);
    const Bounds bx = segment_bounds(width, cell.spatial_level, cell.col);
    const int64_t ts[2] = {t.atom_at(bt.lo), t.atom_at(bt.hi)};
    const int64_t ys[2] = {y.atom_at(by.lo), y.atom_at(by.hi)};
    const int64_t xs[2] = {x.atom_at(bx.lo), x.atom_at(bx.hi)};
    for (int corner = 0; corner < 8; ++corner) {
      corners[corner * num_cells_ + c] = ts[(corner >> 2) & 1] * st + ys[(corner >> 1) & 1] * sy + xs[corner & 1];
    }
    inv[c] = 1.0 / static_cast<double>((bt.hi - bt.lo) * (by.hi - by.lo) * (bx.hi - bx.lo));
    ++c;
  }
  corner_index_ = at::tensor(corners, at::kLong);
  std::vector<double> signs(8);
  for (int corner = 0; corner < 8; ++corner) {
    signs[corner] = std::popcount(static_cast<unsigned>(corner)) % 2 == 1 ? 1.0 : -1.0;  // odd count of upper bounds
  }
  corner_sign_ = at::tensor(signs, at::kDouble).view({8, 1, 1});
  inv_count_ = at::tensor(inv, at::kDouble).view({-1, 1});
}

at::Tensor StppPooler::cells_from_atoms(const at::Tensor& atoms) const {
  const int64_t k = atoms.size(0), values = atoms.size(4);
  at::Tensor table = at::zeros({k, atoms.size(1) + 1, atoms.size(2) + 1, atoms.size(3) + 1, values}, at::kDouble);
  table.narrow(1, 1, atoms.size(1)).narrow(2, 1, atoms.size(2)).narrow(3, 1, atoms.size(3)).copy_(
      atoms.cumsum(1).cumsum(2).cumsum(3));
  const at::Tensor corners = table.view({k, -1, values}).index_select(1, corner_index_).view({k, 8, num_cells_, values});
  return (corners * corner_sign_).sum(1).mul_(inv_count_);
}

void StppPooler::check_geometry(const at::Tensor& t, bool channels_first, const char* what) const {
  // [K,T,C,H,W] (maps) or [K,T,H,W] / [K,T,H,W,G] (bins)
  const int64_t y = channels_first ? 3 : 2;
  const bool ok = t.defined() && (channels_first ? t.dim() == 5 : t.dim() == 4 || t.dim() == 5) &&
                  t.size(1) == frames_ && t.size(y) == height_ && t.size(y + 1) == width_;
  if (!ok) {
    throw InvalidArgument(fmt::format("STPP {}: expected {}, got {}", what,
                                      channels_first ? fmt::format("[K,{},C,{},{}]", frames_, height_, width_)
                                                     : fmt::format("[K,{},{},{}] or [K,{},{},{},G]", frames_, height_,
                                                                   width_, frames_, height_, width_),
                                      vidrep::describe(t)));
  }
}

at::Tensor StppPooler::mean(const at::Tensor& maps) const {
  check_geometry(maps, true, "maps");
  if (!maps.is_floating_point()) {
    throw InvalidArgument(fmt::format("STPP maps: expected a float tensor, got {}", vidrep::describe(maps)));
  }
  // Separable sums into atoms: over x, then y, then t; the first touches every pixel once and runs
  // in the maps' dtype (rows of at most W values), the rest in float64.
  at::Tensor sums = sum_atoms(maps, 4, x_edges_).to(at::kDouble);  // [K,T,C,H,Ax]
  sums = sum_atoms(sums, 3, y_edges_);                            // [K,T,C,Ay,Ax]
  sums = sum_atoms(sums, 1, t_edges_);                            // [K,At,C,Ay,Ax]
  return cells_from_atoms(sums.permute({0, 1, 3, 4, 2}));
}

at::Tensor StppPooler::histogram(const at::Tensor& bins, int64_t num_bins, const at::Tensor& weights) const {
  check_geometry(bins, false, "bins");
  if (!at::isIntegralType(bins.scalar_type(), /*includeBool=*/false)) {
    throw InvalidArgument(fmt::format("STPP bins: expected integer bin indices, got {}", vidrep::describe(bins)));
  }
  if (num_bins < 1) throw InvalidArgument(fmt::format("STPP bins: expected at least 1 bin, got {}", num_bins));
  if (weights.defined() && weights.sizes() != bins.sizes()) {
    throw InvalidArgument(fmt::format("STPP weights: expected the shape of the bins {}, got {}", vidrep::describe(bins),
                                      vidrep::describe(weights)));
  }
  const int64_t k = bins.size(0);
  const int64_t groups = bins.dim() == 5 ? bins.size(4) : 1;
  const int64_t total = k * num_atoms_ * groups * num_bins;
  // Bytes cannot leave [0, 256); other bins are checked, since a stray index would silently land
  // in a neighbouring cell's histogram.
  if (bins.numel() > 0 && !(bins.scalar_type() == at::kByte && num_bins >= 256)) {
    const auto [lo, hi] = at::aminmax(bins);
    if (lo.item<int64_t>() < 0 || hi.item<int64_t>() >= num_bins) {
      throw InvalidArgument(fmt::format("STPP bins: expected bin indices in [0, {}), got [{}, {}]", num_bins,
                                        lo.item<int64_t>(), hi.item<int64_t>()));
    }
  }
  // Flat bin ((clip * atoms + atom) * groups + group) * num_bins + bin of every value, in int32
  // when it fits: the index is the largest temporary here, and bincount takes any integer type.
  const auto type = total < std::numeric_limits<int32_t>::max() ? at::kInt : at::kLong;
  at::Tensor index = at::arange(k, type).mul_(num_atoms_ * groups * num_bins).view({-1, 1, 1, 1}) +
                     atom_index_.to(type) * (groups * num_bins);
  if (bins.dim() == 5) index = index.unsqueeze(-1) + at::arange(groups, type).mul_(num_bins);
  index.add_(at::promoteTypes(type, bins.scalar_type()) == type ? bins : bins.to(type));
  const c10::optional<at::Tensor> w =
      weights.defined() ? c10::optional<at::Tensor>(weights.to(at::kDouble).reshape({-1})) : c10::nullopt;
  const at::Tensor counts = at::bincount(index.reshape({-1}), w, total).to(at::kDouble);
  const int64_t at_ = static_cast<int64_t>(t_edges_.size()) - 1, ay = static_cast<int64_t>(y_edges_.size()) - 1,
                ax = static_cast<int64_t>(x_edges_.size()) - 1;
  const at::Tensor pooled = cells_from_atoms(counts.view({k, at_, ay, ax, groups * num_bins}));
  return bins.dim() == 5 ? pooled.view({k, num_cells_, groups, num_bins}) : pooled;
}

}  // namespace vidrep::features
