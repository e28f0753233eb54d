// vidrep features FILE --kinds color_hist,lbp,... [--stpp 1,2,4] --out F.npy: handcrafted clip
// descriptors, float32 [clips, D], with --json naming the columns. On the I/O core alone.
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/features/feature_extractor.h"
#include "vidrep/features/video_features.h"
#include "vidrep/io/npy.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace vidrep::cli {

namespace {

std::vector<int> parse_levels(const std::string& text, const std::string& option) {
  std::vector<int> levels;
  for (int64_t v : parse_indices(text, option)) {
    if (v < 1 || v > 64) throw InvalidArgument(fmt::format("{}: expected levels in 1..64, got {}", option, v));
    levels.push_back(static_cast<int>(v));
  }
  return levels;
}

features::HsvBins parse_hsv_bins(std::string text) {
  std::replace(text.begin(), text.end(), 'x', ',');
  const std::vector<int64_t> n = parse_indices(text, "--hsv-bins");
  if (n.size() != 3) throw InvalidArgument(fmt::format("--hsv-bins: expected HxSxV, got {} numbers", n.size()));
  return {static_cast<int>(n[0]), static_cast<int>(n[1]), static_cast<int>(n[2])};
}

nlohmann::json layout_json(const features::FeatureExtractor& fx) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : fx.layout()) {
    groups.push_back({{"name", g.name}, {"kind", features::to_string(g.kind)}, {"offset", g.offset},
                      {"length", g.length}, {"cells", g.cells}, {"channels", g.channels}});
  }
  return groups;
}

}  // namespace

void register_features(CLI::App& app) {
  struct Args {
    std::string file, out, kinds = "all", stpp, temporal, hsv_bins = "8x4x4";
    int64_t clip_len = 16, stride = 0, batch = 8;
    int short_side = 112;
    ReaderFlags reader;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "features", "Handcrafted clip descriptors (colour, texture, edges, motion) to a float32 [clips,D] .npy");
  cmd->add_option("FILE", args->file, "Video file")->required();
  cmd->add_option("--kinds", args->kinds, "Comma-separated: color_hist, color_moments, lbp, edges, motion, or all")
      ->capture_default_str();
  cmd->add_option("--stpp", args->stpp, "Spatial pyramid levels, e.g. 1,2,4 (default: 1, global pooling)");
  cmd->add_option("--temporal", args->temporal, "Temporal pyramid levels (default: 1,2 with --stpp, else 1)");
  cmd->add_option("--clip-len", args->clip_len, "Frames per clip L")->capture_default_str();
  cmd->add_option("--stride", args->stride, "Frames between clip starts (default: L, no overlap)");
  cmd->add_option("--short-side", args->short_side, "Analysis size: shorter side in pixels, 0 = native (--size overrides)")
      ->capture_default_str();
  cmd->add_option("--hsv-bins", args->hsv_bins, "Colour histogram bins HxSxV")->capture_default_str();
  cmd->add_option("--batch", args->batch, "Clips decoded and processed together")->capture_default_str();
  add_reader_flags(cmd, args->reader);
  cmd->add_option("--out", args->out, "Output .npy")->required();
  cmd->add_flag("--json", args->json, "Print the column groups (name, offset, length) and clip frame ranges as JSON");
  cmd->callback([args] {
    features::FeatureOptions options;
    options.kinds = features::parse_feature_kinds(args->kinds);
    options.hsv = parse_hsv_bins(args->hsv_bins);
    options.threads = args->reader.threads;
    if (!args->stpp.empty()) {
      options.stpp.spatial = parse_levels(args->stpp, "--stpp");
      options.stpp.temporal = {1, 2};
    }
    if (!args->temporal.empty()) options.stpp.temporal = parse_levels(args->temporal, "--temporal");
    const features::FeatureExtractor extractor(options);

    ReaderOptions read = reader_options(args->reader);
    if (read.width == 0 && read.height == 0) read.short_side = args->short_side;
    VideoReader reader(args->file, read);
    features::VideoFeatureOptions video_options;
    video_options.clip_length = args->clip_len;
    video_options.stride = args->stride;
    video_options.batch_clips = args->batch;
    const bool show_progress = isatty(STDERR_FILENO) != 0;
    if (show_progress) {
      video_options.progress = [](int64_t done, int64_t total) {
        std::fprintf(stderr, "\rfeatures: %lld/%lld clips", static_cast<long long>(done), static_cast<long long>(total));
        if (done == total) std::fprintf(stderr, "\n");
      };
    }
    const features::VideoFeatures result = features::extract_video_features(reader, extractor, video_options);
    io::save_npy(args->out, result.features);

    if (args->json) {
      nlohmann::json clips = nlohmann::json::array();
      for (const auto& c : result.clips) {
        clips.push_back({{"begin", c.begin}, {"end", c.end}, {"time", reader.frame_time(c.begin)}});
      }
      const auto& stpp = extractor.options().stpp;
      fmt::print("{}\n", nlohmann::json{{"path", args->file},
                                        {"out", args->out},
                                        {"shape", result.features.shape()},
                                        {"dim", extractor.dim()},
                                        {"width", reader.width()},
                                        {"height", reader.height()},
                                        {"clip_len", args->clip_len},
                                        {"stride", args->stride == 0 ? args->clip_len : args->stride},
                                        {"stpp", {{"spatial", stpp.spatial}, {"temporal", stpp.temporal}}},
                                        {"cells", static_cast<int64_t>(extractor.cells().size())},
                                        {"groups", layout_json(extractor)},
                                        {"clips", clips}}
                             .dump());
    } else {
      std::string groups;
      for (const auto& g : extractor.layout()) groups += fmt::format("{}{}", groups.empty() ? "" : ", ", g.name);
      fmt::print("{}: wrote {} clips x {} features ({}) at {}x{} to {}\n", args->file, result.features.size(0),
                 extractor.dim(), groups, reader.width(), reader.height(), args->out);
    }
  });
}

}  // namespace vidrep::cli
