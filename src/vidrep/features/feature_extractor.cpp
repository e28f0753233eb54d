#include "vidrep/features/feature_extractor.h"

#include "vidrep/error.h"
#include "vidrep/features/edges.h"
#include "vidrep/features/texture.h"
#include "vidrep/runtime.h"
#include "vidrep/thread_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

namespace vidrep::features {

namespace {

struct KindName {
  FeatureKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {{FeatureKind::ColorHist, "color_hist"},
                                   {FeatureKind::ColorMoments, "color_moments"},
                                   {FeatureKind::Lbp, "lbp"},
                                   {FeatureKind::Edges, "edges"},
                                   {FeatureKind::Motion, "motion"}};

std::vector<std::string> lbp_bin_names() {
  std::vector<std::string> names(kUniformLbpBins);
  const auto& labels = uniform_lbp_labels();
  for (int code = 0; code < 256; ++code) {
    if (labels[code] < kUniformLbpBins - 1) names[labels[code]] = fmt::format("code{}", code);
  }
  names.back() = "nonuniform";
  return names;
}

// Luma in [0,1] of each pixel of RGB bytes [n,3]: Y = 0.299 R + 0.587 G + 0.114 B, with the
// products summed by fused multiply-adds (as ATen's add with a factor, which an earlier version
// used: LBP codes compare lumas, so the same rounding keeps the same ties).
void luma_of(const uint8_t* rgb, int64_t n, float* luma) {
  const auto r = static_cast<float>(0.299 / 255), g = static_cast<float>(0.587 / 255), b = static_cast<float>(0.114 / 255);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = rgb + 3 * i;
    luma[i] = std::fma(static_cast<float>(p[2]), b, std::fma(static_cast<float>(p[1]), g, static_cast<float>(p[0]) * r));
  }
}

// Magnitude statistics from pooled (E[m], E[m^2], ...) per cell, [K,cells,C] in place: (mean, std, ...).
void mean_and_std(Array& raw) {
  const int64_t c = raw.size(-1);
  for (int64_t i = 0; i < raw.numel() / c; ++i) {
    double* p = raw.data<double>() + i * c;
    p[1] = std::sqrt(std::max(p[1] - p[0] * p[0], 0.0));
  }
}

// An array over memory the caller keeps alive.
Array borrowed(DType dtype, std::vector<int64_t> shape, const void* data) {
  void* p = const_cast<void*>(data);  // read only: the pooler takes const arrays
  return Array::wrap(dtype, std::move(shape), p, std::shared_ptr<const void>(data, [](const void*) {}));
}

}  // namespace

FeatureKind parse_feature_kind(const std::string& name) {
  for (const KindName& k : kKindNames) {
    if (name == k.name) return k.kind;
  }
  throw InvalidArgument(fmt::format(
      "--kinds: unknown feature kind '{}' (expected color_hist, color_moments, lbp, edges or motion)", name));
}

std::vector<FeatureKind> parse_feature_kinds(const std::string& list) {
  if (list == "all") return all_feature_kinds();
  std::vector<FeatureKind> kinds;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) kinds.push_back(parse_feature_kind(item));
  if (kinds.empty()) throw InvalidArgument("--kinds: expected at least one feature kind, got none");
  return kinds;
}

std::string to_string(FeatureKind kind) {
  for (const KindName& k : kKindNames) {
    if (kind == k.kind) return k.name;
  }
  return "unknown";
}

std::vector<FeatureKind> all_feature_kinds() {
  std::vector<FeatureKind> kinds;
  for (const KindName& k : kKindNames) kinds.push_back(k.kind);
  return kinds;
}

FeatureExtractor::FeatureExtractor(FeatureOptions options) : options_(std::move(options)) {
  auto& kinds = options_.kinds;
  if (kinds.empty()) throw InvalidArgument("feature kinds: expected at least one kind, got none");
  std::sort(kinds.begin(), kinds.end());
  if (const auto dup = std::adjacent_find(kinds.begin(), kinds.end()); dup != kinds.end()) {
    throw InvalidArgument(fmt::format("feature kinds: expected each kind once, got {} twice", to_string(*dup)));
  }
  validate_levels(options_.stpp);
  validate_hsv_bins(options_.hsv);
  validate_flow_options(options_.flow);
  for (const auto& [name, bins] : {std::pair{"edge_bins", options_.edge_bins}, {"flow_bins", options_.flow_bins}}) {
    if (bins < 1 || bins > 360) throw InvalidArgument(fmt::format("{}: expected 1..360, got {}", name, bins));
  }
  if (options_.threads < 0) throw InvalidArgument(fmt::format("threads: expected >= 0, got {}", options_.threads));
  cells_ = stpp_cells(options_.stpp);
  const int64_t cells = static_cast<int64_t>(cells_.size());
  auto add = [&](std::string name, FeatureKind kind, std::vector<std::string> channels) {
    const int64_t length = cells * static_cast<int64_t>(channels.size());
    layout_.push_back({std::move(name), kind, dim_, length, cells, std::move(channels)});
    dim_ += length;
  };
  for (FeatureKind kind : kinds) {
    switch (kind) {
      case FeatureKind::ColorHist: add("color_hist", kind, hsv_bin_names(options_.hsv)); break;
      case FeatureKind::ColorMoments: add("color_moments", kind, color_moment_names()); break;
      case FeatureKind::Lbp: add("lbp", kind, lbp_bin_names()); break;
      case FeatureKind::Edges:
        add("edges.magnitude", kind, {"mean", "energy"});
        add("edges.orientation", kind, angle_bin_names(options_.edge_bins, false));
        break;
      case FeatureKind::Motion:
        add("motion.frame_diff", kind, {"mean_abs", "mean_sq"});
        add("motion.flow", kind, {"mean_magnitude", "std_magnitude", "mean_dx", "mean_dy"});
        add("motion.flow_direction", kind, angle_bin_names(options_.flow_bins, true));
        break;
    }
  }
}

bool FeatureExtractor::needs_motion() const {
  return std::find(options_.kinds.begin(), options_.kinds.end(), FeatureKind::Motion) != options_.kinds.end();
}

void FeatureExtractor::check_clips(const Array& clips, bool batch) const {
  const int64_t dims = batch ? 5 : 4;
  const bool ok = clips.defined() && clips.dim() == dims && clips.dtype() == DType::UInt8 && clips.size(-1) == 3 &&
                  clips.size(-2) >= 1 && clips.size(-3) >= 1 && clips.size(-4) >= 1;
  const char* what = batch ? "feature clips" : "feature clip";
  if (!ok) {
    throw InvalidArgument(fmt::format("{}: expected uint8 {} with T, H, W >= 1, got {}", what,
                                      batch ? "[K,T,H,W,3]" : "[T,H,W,3]", vidrep::describe(clips)));
  }
  if (needs_motion() && clips.size(-4) < 2) {
    throw InvalidArgument(fmt::format("{}: motion needs at least 2 frames per clip, got {}", what, clips.size(-4)));
  }
}

Array FeatureExtractor::extract(const Array& clip) const {
  check_clips(clip, false);
  std::vector<int64_t> batch = clip.shape();
  batch.insert(batch.begin(), 1);
  return extract_batch(clip.reshaped(batch)).reshaped({dim_});
}

Array FeatureExtractor::extract_batch(const Array& clips) const {
  check_clips(clips, true);
  const int64_t k = clips.size(0), t = clips.size(1), h = clips.size(2), w = clips.size(3);
  Array out(DType::Float32, {k, dim_});
  if (k == 0) return out;
  const StppPooler frames(t, h, w, options_.stpp);
  const std::optional<StppPooler> pairs =
      needs_motion() ? std::optional<StppPooler>(std::in_place, t - 1, h, w, options_.stpp) : std::nullopt;
  // Clip-parallel, one clip per task: a clip's maps (about 1 MB each at 16x112x112) stay in a
  // core's cache and nothing inside a clip waits for another thread. Per-op parallelism (as
  // LibTorch's) collapses when other processes share the cores (measured 0.5 vs 22 clips/s on a
  // busy 2-core machine). Each row depends only on its clip, so any thread count gives the same
  // bytes.
  const int threads = options_.threads > 0 ? options_.threads : hardware_threads();
  parallel_for(k, static_cast<int>(std::min<int64_t>(threads, k)), [&](int64_t i) {
    describe_clip(clips.data<uint8_t>() + i * t * h * w * 3, t, h, w, frames, pairs ? &*pairs : nullptr,
                  out.data<float>() + i * dim_);
  });
  return out;
}

void FeatureExtractor::describe_clip(const uint8_t* clip, int64_t t, int64_t h, int64_t w, const StppPooler& frames,
                                     const StppPooler* pairs, float* row) const {
  const int64_t n = h * w;
  Array luma(DType::Float32, {1, t, h, w});  // in [0,1]
  luma_of(clip, t * n, luma.data<float>());
  const float* y = luma.data<float>();
  float* out = row;
  auto add = [&](const Array& pooled) {  // float64 [1,cells,...]
    out = std::transform(pooled.data<double>(), pooled.data<double>() + pooled.numel(), out,
                         [](double v) { return static_cast<float>(v); });
  };
  for (FeatureKind kind : options_.kinds) {
    switch (kind) {
      case FeatureKind::ColorHist: {
        Array bins(DType::Int32, {1, t, h, w});
        for (int64_t i = 0; i < t * n; ++i) {
          bins.data<int32_t>()[i] = hsv_bin(clip[3 * i], clip[3 * i + 1], clip[3 * i + 2], options_.hsv);
        }
        add(frames.histogram(bins, options_.hsv.count()));
        break;
      }
      case FeatureKind::ColorMoments:
        add(color_moments_from_histograms(frames.histogram(borrowed(DType::UInt8, {1, t, h, w, 3}, clip), 256)));
        break;
      case FeatureKind::Lbp: {
        Array codes(DType::UInt8, {1, t, h, w});
        for (int64_t f = 0; f < t; ++f) lbp_codes(y + f * n, h, w, codes.data<uint8_t>() + f * n);
        add(fold_uniform_lbp(frames.histogram(codes, 256)));
        break;
      }
      case FeatureKind::Edges: {
        Array maps(DType::Float32, {1, t, 2, h, w}), mag(DType::Float32, {1, t, h, w}), bins(DType::Int32, {1, t, h, w});
        std::vector<float> gx(n), gy(n);
        const float width = angle_bin_width(options_.edge_bins, false);
        for (int64_t f = 0; f < t; ++f) {
          sobel(y + f * n, h, w, gx.data(), gy.data());
          float* m = mag.data<float>() + f * n;
          float* m1 = maps.data<float>() + 2 * f * n;
          for (int64_t i = 0; i < n; ++i) {
            m[i] = std::sqrt(gx[i] * gx[i] + gy[i] * gy[i]);
            m1[i] = m[i];
            m1[n + i] = m[i] * m[i];
            bins.data<int32_t>()[f * n + i] = angle_bin(gx[i], gy[i], options_.edge_bins, width);
          }
        }
        add(frames.mean(maps));
        add(frames.histogram(bins, options_.edge_bins, mag));
        break;
      }
      case FeatureKind::Motion: {
        Array diffs(DType::Float32, {1, t - 1, 2, h, w});
        for (int64_t f = 0; f + 1 < t; ++f) {
          float* d = diffs.data<float>() + 2 * f * n;
          for (int64_t i = 0; i < n; ++i) {
            const float dy = y[(f + 1) * n + i] - y[f * n + i];
            d[i] = std::abs(dy);
            d[n + i] = dy * dy;
          }
        }
        add(pairs->mean(diffs));
        const Array flow = dense_flow(luma.reshaped({t, h, w}), options_.flow);  // [T-1,2,H,W]
        Array maps(DType::Float32, {1, t - 1, 4, h, w}), mag(DType::Float32, {1, t - 1, h, w}),
            bins(DType::Int32, {1, t - 1, h, w});
        const float width = angle_bin_width(options_.flow_bins, true);
        for (int64_t f = 0; f + 1 < t; ++f) {
          const float* dx = flow.data<float>() + 2 * f * n;
          const float* dy = dx + n;
          float* m = mag.data<float>() + f * n;
          float* p = maps.data<float>() + 4 * f * n;
          for (int64_t i = 0; i < n; ++i) {
            m[i] = std::sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
            p[i] = m[i];
            p[n + i] = m[i] * m[i];
            p[2 * n + i] = dx[i];
            p[3 * n + i] = dy[i];
            bins.data<int32_t>()[f * n + i] = angle_bin(dx[i], dy[i], options_.flow_bins, width);
          }
        }
        Array stats = pairs->mean(maps);
        mean_and_std(stats);
        add(stats);
        add(pairs->histogram(bins, options_.flow_bins, mag));
        break;
      }
    }
  }
}

}  // namespace vidrep::features
