#include "vidrep/features/stpp.h"

#include "vidrep/error.h"

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

// The atom of every sample of an axis of n samples.
std::vector<int32_t> atom_of(const Axis& axis, int64_t n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int64_t j = 0; j < axis.atoms(); ++j) {
    for (int64_t i = axis.edges[j]; i < axis.edges[j + 1]; ++i) v[i] = static_cast<int32_t>(j);
  }
  return v;
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
  atom_t_ = atom_of(t, frames);
  atom_y_ = atom_of(y, height);
  atom_x_ = atom_of(x, width);

  // Summed-area table S over atoms, padded with a zero plane in front of each axis: the sum over
  // atoms [t0,t1) x [y0,y1) x [x0,x1) is sum over corners (a,b,c) in {t0,t1}x{y0,y1}x{x0,x1} of
  // S[a,b,c] with sign - for each lower bound.
  const int64_t sy = x.atoms() + 1, st = (y.atoms() + 1) * sy;
  corner_index_.resize(8 * num_cells_);
  inv_count_.resize(num_cells_);
  int64_t c = 0;
  for (const StppCell& cell : stpp_cells(levels)) {
    const Bounds bt = segment_bounds(frames, cell.temporal_level, cell.segment);
    const Bounds by = segment_bounds(height, cell.spatial_level, cell.row);
    const Bounds bx = segment_bounds(width, cell.spatial_level, cell.col);
    const int64_t ts[2] = {t.atom_at(bt.lo), t.atom_at(bt.hi)};
    const int64_t ys[2] = {y.atom_at(by.lo), y.atom_at(by.hi)};
    const int64_t xs[2] = {x.atom_at(bx.lo), x.atom_at(bx.hi)};
    for (int corner = 0; corner < 8; ++corner) {
      corner_index_[corner * num_cells_ + c] = ts[(corner >> 2) & 1] * st + ys[(corner >> 1) & 1] * sy + xs[corner & 1];
    }
    inv_count_[c] = 1.0 / static_cast<double>((bt.hi - bt.lo) * (by.hi - by.lo) * (bx.hi - bx.lo));
    ++c;
  }
}

Array StppPooler::cells_from_atoms(std::vector<double>& atoms, int64_t k, int64_t values) const {
  const int64_t at = atoms_t(), ay = atoms_y(), ax = atoms_x();
  // Running sums along t, then y, then x, in place: atoms becomes the table without its zero planes.
  auto at_ = [&](int64_t i, int64_t ti, int64_t yi, int64_t xi) { return (((i * at + ti) * ay + yi) * ax + xi) * values; };
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t ti = 1; ti < at; ++ti) {
      for (int64_t j = 0; j < ay * ax * values; ++j) atoms[at_(i, ti, 0, 0) + j] += atoms[at_(i, ti - 1, 0, 0) + j];
    }
    for (int64_t ti = 0; ti < at; ++ti) {
      for (int64_t yi = 1; yi < ay; ++yi) {
        for (int64_t j = 0; j < ax * values; ++j) atoms[at_(i, ti, yi, 0) + j] += atoms[at_(i, ti, yi - 1, 0) + j];
      }
      for (int64_t yi = 0; yi < ay; ++yi) {
        for (int64_t xi = 1; xi < ax; ++xi) {
          for (int64_t j = 0; j < values; ++j) atoms[at_(i, ti, yi, xi) + j] += atoms[at_(i, ti, yi, xi - 1) + j];
        }
      }
    }
  }
  Array out(DType::Float64, {k, num_cells_, values});
  const int64_t sy = ax + 1, st = (ay + 1) * sy;
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t c = 0; c < num_cells_; ++c) {
      double* o = out.data<double>() + (i * num_cells_ + c) * values;
      std::fill(o, o + values, 0.0);
      for (int corner = 0; corner < 8; ++corner) {
        // Table index (a,b,c) with a zero plane in front: atom (a-1,b-1,c-1), zero on any 0.
        const int64_t index = corner_index_[corner * num_cells_ + c];
        const int64_t ti = index / st, yi = index % st / sy, xi = index % sy;
        if (ti == 0 || yi == 0 || xi == 0) continue;
        const double* s = atoms.data() + at_(i, ti - 1, yi - 1, xi - 1);
        const bool plus = std::popcount(static_cast<unsigned>(corner)) % 2 == 1;  // odd count of upper bounds
        for (int64_t j = 0; j < values; ++j) o[j] += plus ? s[j] : -s[j];
      }
      for (int64_t j = 0; j < values; ++j) o[j] *= inv_count_[c];
    }
  }
  return out;
}

void StppPooler::check_geometry(const Array& a, bool channels_first, const char* what) const {
  // [K,T,C,H,W] (maps) or [K,T,H,W] / [K,T,H,W,G] (bins)
  const int64_t y = channels_first ? 3 : 2;
  const bool ok = a.defined() && (channels_first ? a.dim() == 5 : a.dim() == 4 || a.dim() == 5) &&
                  a.size(1) == frames_ && a.size(y) == height_ && a.size(y + 1) == width_;
  if (!ok) {
    throw InvalidArgument(fmt::format("STPP {}: expected {}, got {}", what,
                                      channels_first ? fmt::format("[K,{},C,{},{}]", frames_, height_, width_)
                                                     : fmt::format("[K,{},{},{}] or [K,{},{},{},G]", frames_, height_,
                                                                   width_, frames_, height_, width_),
                                      describe(a)));
  }
}

namespace {

// Sums of maps [K,T,C,H,W] into atoms [K,At,Ay,Ax,C].
template <class T>
void sum_maps(const T* maps, int64_t k, int64_t frames, int64_t channels, int64_t h, int64_t w,
              const std::vector<int32_t>& atom_t, const std::vector<int32_t>& atom_y, const std::vector<int64_t>& x_edges,
              int64_t ay, double* atoms) {
  const int64_t ax = static_cast<int64_t>(x_edges.size()) - 1;
  const int64_t at = atom_t.back() + 1;
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t t = 0; t < frames; ++t) {
      for (int64_t c = 0; c < channels; ++c) {
        for (int64_t y = 0; y < h; ++y) {
          const T* row = maps + (((i * frames + t) * channels + c) * h + y) * w;
          double* dst = atoms + ((i * at + atom_t[t]) * ay + atom_y[y]) * ax * channels + c;
          for (int64_t j = 0; j < ax; ++j) {
            double sum = 0;
            for (int64_t x = x_edges[j]; x < x_edges[j + 1]; ++x) sum += row[x];
            dst[j * channels] += sum;
          }
        }
      }
    }
  }
}

// Adds each value's weight into its flat bin ((clip * atoms + atom) * groups + group) * num_bins + bin.
template <class B, class W>
void count_bins(const B* bins, const W* weights, int64_t k, int64_t frames, int64_t h, int64_t w, int64_t groups,
                int64_t num_bins, const std::vector<int32_t>& atom_t, const std::vector<int32_t>& atom_y,
                const std::vector<int32_t>& atom_x, int64_t ay, int64_t ax, int64_t atoms, double* counts) {
  int64_t p = 0;  // flat index of the value in bins / weights
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t t = 0; t < frames; ++t) {
      for (int64_t y = 0; y < h; ++y) {
        double* row = counts + (i * atoms + (atom_t[t] * ay + atom_y[y]) * ax) * groups * num_bins;
        for (int64_t x = 0; x < w; ++x) {
          double* cell = row + atom_x[x] * groups * num_bins;
          for (int64_t g = 0; g < groups; ++g, ++p) {
            cell[g * num_bins + static_cast<int64_t>(bins[p])] += weights ? static_cast<double>(weights[p]) : 1.0;
          }
        }
      }
    }
  }
}

template <class B>
std::pair<int64_t, int64_t> min_max(const B* bins, int64_t n) {
  const auto [lo, hi] = std::minmax_element(bins, bins + n);
  return {static_cast<int64_t>(*lo), static_cast<int64_t>(*hi)};
}

}  // namespace

Array StppPooler::mean(const Array& maps) const {
  check_geometry(maps, true, "maps");
  if (maps.dtype() != DType::Float32 && maps.dtype() != DType::Float64) {
    throw InvalidArgument(fmt::format("STPP maps: expected float32 or float64, got {}", describe(maps)));
  }
  const int64_t k = maps.size(0), channels = maps.size(2);
  std::vector<double> atoms(static_cast<size_t>(k * num_atoms_ * channels), 0.0);
  if (maps.dtype() == DType::Float32) {
    sum_maps(maps.data<float>(), k, frames_, channels, height_, width_, atom_t_, atom_y_, x_edges_, atoms_y(), atoms.data());
  } else {
    sum_maps(maps.data<double>(), k, frames_, channels, height_, width_, atom_t_, atom_y_, x_edges_, atoms_y(), atoms.data());
  }
  return cells_from_atoms(atoms, k, channels);
}

Array StppPooler::histogram(const Array& bins, int64_t num_bins, const Array& weights) const {
  check_geometry(bins, false, "bins");
  const DType type = bins.dtype();
  if (type != DType::UInt8 && type != DType::Int32 && type != DType::Int64) {
    throw InvalidArgument(fmt::format("STPP bins: expected uint8, int32 or int64 bin indices, got {}", describe(bins)));
  }
  if (num_bins < 1) throw InvalidArgument(fmt::format("STPP bins: expected at least 1 bin, got {}", num_bins));
  if (weights.defined() && (weights.shape() != bins.shape() ||
                            (weights.dtype() != DType::Float32 && weights.dtype() != DType::Float64))) {
    throw InvalidArgument(fmt::format("STPP weights: expected float32 or float64 of the shape of the bins {}, got {}",
                                      describe(bins), describe(weights)));
  }
  const int64_t k = bins.size(0);
  const int64_t groups = bins.dim() == 5 ? bins.size(4) : 1;
  // Bytes cannot leave [0, 256); other bins are checked, since a stray index would write outside
  // the counts or silently land in a neighbouring cell's histogram.
  if (bins.numel() > 0 && !(type == DType::UInt8 && num_bins >= 256)) {
    const auto [lo, hi] = type == DType::UInt8   ? min_max(bins.data<uint8_t>(), bins.numel())
                          : type == DType::Int32 ? min_max(bins.data<int32_t>(), bins.numel())
                                                 : min_max(bins.data<int64_t>(), bins.numel());
    if (lo < 0 || hi >= num_bins) {
      throw InvalidArgument(
          fmt::format("STPP bins: expected bin indices in [0, {}), got [{}, {}]", num_bins, lo, hi));
    }
  }
  std::vector<double> counts(static_cast<size_t>(k * num_atoms_ * groups * num_bins), 0.0);
  auto count = [&](auto* b) {
    auto run = [&](auto* w) {
      count_bins(b, w, k, frames_, height_, width_, groups, num_bins, atom_t_, atom_y_, atom_x_, atoms_y(), atoms_x(),
                 num_atoms_, counts.data());
    };
    if (!weights.defined()) {
      run(static_cast<const float*>(nullptr));
    } else if (weights.dtype() == DType::Float32) {
      run(weights.data<const float>());
    } else {
      run(weights.data<const double>());
    }
  };
  if (type == DType::UInt8) {
    count(bins.data<const uint8_t>());
  } else if (type == DType::Int32) {
    count(bins.data<const int32_t>());
  } else {
    count(bins.data<const int64_t>());
  }
  const Array pooled = cells_from_atoms(counts, k, groups * num_bins);
  return bins.dim() == 5 ? pooled.reshaped({k, num_cells_, groups, num_bins}) : pooled;
}

}  // namespace vidrep::features
