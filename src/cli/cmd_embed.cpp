// vidrep embed PATH... [--method M] [--per-second R] --out E.npz [--json]
#include "cli_common.h"
#include "progress.h"

#include "vidrep/video_files.h"
#include "vidrep/error.h"
#include "vidrep/retrieval/descriptors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

struct EmbedArgs {
  std::vector<std::string> inputs;
  EmbedFlags embed;
  std::string out;
  bool json = false;
};

}  // namespace

void register_embed(CLI::App& app, EmbedderFactory make_embedder) {
  auto args = std::make_shared<EmbedArgs>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "Per-second video descriptors for retrieval, in VSC22's npz layout (video_ids, timestamps, features)");
  cmd->add_option("paths", args->inputs, "Video files, folders (searched recursively) or list files (.txt)")->required();
  add_embed_flags(cmd, args->embed);
  cmd->add_option("--out", args->out, "Output .npz")->required();
  cmd->add_flag("--json", args->json, "One JSON line per video: {path, rows, dim, duration} or {path, error}");
  cmd->callback([args, make_embedder] {
    const std::unique_ptr<retrieval::DescriptorExtractor> extractor = make_embedder(embed_config(args->embed));
    const retrieval::DescriptorExtractor& embedder = *extractor;
    const std::vector<std::string> videos = collect_videos(args->inputs);
    if (videos.empty()) throw InvalidArgument("embed: no video files in the paths given");
    std::vector<retrieval::VideoDescriptors> done;
    const bool failed = for_each_video(videos, "embedding", args->json, [&](const std::string& video) {
      done.push_back(embedder.embed(video));
      const auto& d = done.back();
      if (!args->json) return std::string();
      return nlohmann::json{{"path", d.path}, {"rows", d.rows()}, {"dim", embedder.dim()}, {"duration", d.duration}}.dump() + "\n";
    });
    if (done.empty()) throw InvalidArgument("embed: none of the videos could be read");
    retrieval::save_vsc_descriptors(args->out, done);
    int64_t rows = 0;
    for (const auto& d : done) rows += d.rows();
    if (!args->json) {
      fmt::print("{}: {} descriptors of {} values from {} videos ({})\n", args->out, rows, embedder.dim(), done.size(),
                 embedder.config().method_text());
    }
    if (failed) throw ExitStatus{2};
  });
}

}  // namespace vidrep::cli
