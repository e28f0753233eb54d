// vidrep dedup PATH... [--threshold T] [--method M] [--per-second R] [--json]
#include "cli_common.h"
#include "retrieval_cli.h"

#include "vidrep/video_files.h"
#include "vidrep/retrieval/collection.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

struct DedupArgs {
  std::vector<std::string> inputs;
  EmbedFlags embed;
  double threshold = retrieval::kCopyThreshold;
  bool json = false;
};

}  // namespace

void register_dedup(CLI::App& app) {
  auto args = std::make_shared<DedupArgs>();
  CLI::App* cmd = app.add_subcommand("dedup", "Clusters of near-duplicate videos (copies, re-encodes, excerpts)");
  cmd->add_option("paths", args->inputs, "Video files, folders (searched recursively) or list files (.txt)")->required();
  add_embed_flags(cmd, args->embed);
  cmd->add_option("--threshold", args->threshold, "Match score from which two videos are duplicates")->capture_default_str();
  cmd->add_flag("--json", args->json, "One JSON line per cluster: {cluster, videos, pairs: [{a, b, score, ...}]}");
  cmd->callback([args] {
    std::vector<retrieval::SkippedVideo> skipped;
    ProgressBar bar;
    const retrieval::VideoIndex index = retrieval::VideoIndex::build(
        collect_videos(args->inputs), {.embed = embed_config(args->embed)}, &skipped, file_progress(bar, "embedding"));
    bar.clear();
    report_skipped(skipped, args->json);
    const retrieval::Duplicates d = retrieval::find_duplicates(index, args->threshold);
    const auto& videos = index.videos();
    for (size_t c = 0; c < d.clusters.size(); ++c) {
      const auto& members = d.clusters[c];
      nlohmann::json paths = nlohmann::json::array(), pairs = nlohmann::json::array();
      for (int64_t v : members) paths.push_back(videos[v].path);
      for (const auto& p : d.pairs) {
        if (std::find(members.begin(), members.end(), p.a) == members.end()) continue;
        nlohmann::json j = retrieval::hit_json(p.hit);
        j.erase("path");
        j["a"] = videos[p.a].path;
        j["b"] = videos[p.b].path;
        pairs.push_back(j);
      }
      if (args->json) {
        fmt::print("{}\n", nlohmann::json{{"cluster", c}, {"videos", paths}, {"pairs", pairs}}.dump());
      } else {
        fmt::print("cluster {} ({} videos):\n", c, members.size());
        for (int64_t v : members) fmt::print("  {}\n", videos[v].path);
      }
    }
    if (!args->json) {
      fmt::print("{} clusters of near-duplicates among {} videos (threshold {})\n", d.clusters.size(), videos.size(),
                 args->threshold);
    }
    if (any_unreadable(skipped)) throw ExitStatus{2};
  });
}

}  // namespace vidrep::cli
