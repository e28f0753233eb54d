#include "vidrep/features/feature_extractor.h"

#include "vidrep/error.h"
#include "vidrep/describe.h"
#include "vidrep/features/edges.h"
#include "vidrep/features/texture.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
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

// Per-pixel luma in [0,1] from float RGB 0..255 [K,T,3,H,W]: [K,T,H,W].
at::Tensor luma_of(const at::Tensor& rgb255) {
  return (rgb255.select(2, 0) * (0.299 / 255))
      .add_(rgb255.select(2, 1), 0.587 / 255)
      .add_(rgb255.select(2, 2), 0.114 / 255);
}

// Magnitude statistics from pooled (E[m], E[m^2], ...) in the last dimension: (mean, std, ...).
at::Tensor mean_and_std(const at::Tensor& raw) {
  const at::Tensor m1 = raw.narrow(-1, 0, 1), m2 = raw.narrow(-1, 1, 1);
  return at::cat({m1, (m2 - m1 * m1).clamp_min(0).sqrt(), raw.narrow(-1, 2, raw.size(-1) - 2)}, -1);
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

void FeatureExtractor::check_clips(const at::Tensor& clips, bool batch) const {
  const int64_t dims = batch ? 5 : 4;
  const bool ok = clips.defined() && clips.dim() == dims && clips.scalar_type() == at::kByte &&
                  clips.size(-1) == 3 && clips.size(-2) >= 1 && clips.size(-3) >= 1 && clips.size(-4) >= 1;
  const char* what = batch ? "feature clips" : "feature clip";
  if (!ok) {
    throw InvalidArgument(fmt::format("{}: expected uint8 {} with T, H, W >= 1, got {}", what,
                                      batch ? "[K,T,H,W,3]" : "[T,H,W,3]", vidrep::describe(clips)));
  }
  if (needs_motion() && clips.size(-4) < 2) {
    throw InvalidArgument(fmt::format("{}: motion needs at least 2 frames per clip, got {}", what, clips.size(-4)));
  }
}

at::Tensor FeatureExtractor::extract(const at::Tensor& clip) const {
  check_clips(clip, false);
  return extract_batch(clip.unsqueeze(0)).squeeze(0);
}

at::Tensor FeatureExtractor::extract_batch(const at::Tensor& clips) const {
  check_clips(clips, true);
  const int64_t k = clips.size(0), t = clips.size(1), h = clips.size(2), w = clips.size(3);
  at::Tensor out = at::empty({k, dim_}, at::kFloat);
  if (k == 0) return out;
  const StppPooler frames(t, h, w, options_.stpp);
  const std::optional<StppPooler> pairs =
      needs_motion() ? std::optional<StppPooler>(std::in_place, t - 1, h, w, options_.stpp) : std::nullopt;
  // Clip-parallel, one clip per task: a clip's maps (about 1 MB each at 16x112x112) stay in a core's
  // cache and the ops inside a task run single-threaded, with no per-op barrier. A per-op barrier
  // is what collapses throughput when other processes share the cores (measured 0.5 vs 22 clips/s
  // on a busy 2-core machine). at::parallel_for only forks where the calling code is compiled
  // with OpenMP, as LibTorch is; a build of vidrep without -fopenmp runs the clips in turn and
  // each op spreads over LibTorch's threads instead (as fast on an idle machine).
  at::parallel_for(0, k, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      out[i].copy_(describe(clips.narrow(0, i, 1), frames, pairs ? &*pairs : nullptr)[0]);
    }
  });
  return out;
}

at::Tensor FeatureExtractor::describe(const at::Tensor& clips, const StppPooler& frames, const StppPooler* pairs) const {
  const int64_t k = clips.size(0), t = clips.size(1);
  const at::Tensor rgb255 = clips.permute({0, 1, 4, 2, 3}).to(at::kFloat).contiguous();  // [K,T,3,H,W] 0..255
  const at::Tensor luma = luma_of(rgb255);                                              // [K,T,H,W] in [0,1]
  std::vector<at::Tensor> parts;
  auto add = [&](const at::Tensor& pooled) { parts.push_back(pooled.reshape({k, -1})); };  // [K,cells,C]
  for (FeatureKind kind : options_.kinds) {
    switch (kind) {
      case FeatureKind::ColorHist:
        add(frames.histogram(hsv_bin_index(rgb255, options_.hsv), options_.hsv.count()));
        break;
      case FeatureKind::ColorMoments:
        add(color_moments_from_histograms(frames.histogram(clips, 256)));
        break;
      case FeatureKind::Lbp:
        add(fold_uniform_lbp(frames.histogram(lbp_codes(luma), 256)));
        break;
      case FeatureKind::Edges: {
        const auto [gx, gy] = sobel(luma);
        const at::Tensor mag = (gx * gx + gy * gy).sqrt_();
        add(frames.mean(at::stack({mag, mag * mag}, 2)));
        add(frames.histogram(angle_bins(gx, gy, options_.edge_bins, false), options_.edge_bins, mag));
        break;
      }
      case FeatureKind::Motion: {
        const at::Tensor diff = luma.narrow(1, 1, t - 1) - luma.narrow(1, 0, t - 1);
        add(pairs->mean(at::stack({diff.abs(), diff * diff}, 2)));
        const at::Tensor flow = dense_flow(luma, options_.flow);  // [K,T-1,2,H,W]
        const at::Tensor dx = flow.select(2, 0), dy = flow.select(2, 1);
        const at::Tensor mag = (dx * dx + dy * dy).sqrt_();
        add(mean_and_std(pairs->mean(at::stack({mag, mag * mag, dx, dy}, 2))));
        add(pairs->histogram(angle_bins(dx, dy, options_.flow_bins, true), options_.flow_bins, mag));
        break;
      }
    }
  }
  return at::cat(parts, 1).to(at::kFloat);
}

}  // namespace vidrep::features
