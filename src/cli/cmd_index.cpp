// vidrep index build PATH... --out IDX [--method M] [--per-second R] [--type flat|hnsw|ivfpq]
// vidrep index add IDX PATH...
// vidrep index info IDX [--json]
#include "cli_common.h"
#include "retrieval_cli.h"

#include "vidrep/video_files.h"
#include "vidrep/retrieval/video_index.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

struct IndexArgs {
  std::vector<std::string> inputs;
  std::string dir;
  EmbedFlags embed;
  std::string type = "flat";
  bool json = false;
};

nlohmann::json summary(const std::string& dir, const retrieval::VideoIndex& index) {
  const auto& o = index.options();
  return {{"index", dir},
          {"method", o.embed.method_text()},
          {"per_second", o.embed.per_second},
          {"type", retrieval::to_string(o.type)},
          {"dim", index.dim()},
          {"whitened", !index.whitening().identity()},
          {"videos", index.videos().size()},
          {"rows", index.rows()}};
}

std::string summary_text(const nlohmann::json& s) {
  return fmt::format("{}: {} videos, {} descriptors of {} values ({}, {} per second{}), {} index",
                     s["index"].get<std::string>(), s["videos"].get<int64_t>(), s["rows"].get<int64_t>(),
                     s["dim"].get<int64_t>(), s["method"].get<std::string>(), s["per_second"].get<double>(),
                     s["whitened"].get<bool>() ? ", PCA-whitened" : "", s["type"].get<std::string>());
}

void print_summary(const std::string& dir, const retrieval::VideoIndex& index, bool json) {
  const nlohmann::json s = summary(dir, index);
  fmt::print("{}\n", json ? s.dump() : summary_text(s));
}

// The skipped files, then the summary; exit status 2 when a file could not be read.
void finish(const std::string& dir, const retrieval::VideoIndex& index,
            const std::vector<retrieval::SkippedVideo>& skipped, bool json) {
  report_skipped(skipped, json);
  print_summary(dir, index, json);
  if (any_unreadable(skipped)) throw ExitStatus{2};
}

}  // namespace

void register_index(CLI::App& app) {
  auto args = std::make_shared<IndexArgs>();
  CLI::App* cmd = app.add_subcommand("index", "A persistent similarity index of videos (faiss) for search, dedup and recommend");
  cmd->require_subcommand(1);

  CLI::App* build = cmd->add_subcommand("build", "Embed videos, fit the whitening on them and index them");
  build->add_option("paths", args->inputs, "Video files, folders (searched recursively) or list files (.txt)")->required();
  build->add_option("--out", args->dir, "Index folder to write")->required();
  add_embed_flags(build, args->embed);
  build->add_option("--type", args->type, "flat (exact) | hnsw (large collections) | ivfpq (least memory)")
      ->capture_default_str();
  build->add_flag("--json", args->json, "JSON lines: skipped files, then the index summary");
  build->callback([args] {
    retrieval::IndexOptions options{.embed = embed_config(args->embed), .type = retrieval::parse_index_type(args->type)};
    const std::vector<std::string> videos = collect_videos(args->inputs);
    std::vector<retrieval::SkippedVideo> skipped;
    ProgressBar bar;
    const retrieval::VideoIndex index =
        retrieval::VideoIndex::build(videos, options, &skipped, file_progress(bar, "embedding"));
    bar.clear();
    index.save(args->dir);
    finish(args->dir, index, skipped, args->json);
  });

  CLI::App* add = cmd->add_subcommand("add", "Embed and add videos not indexed yet (the index stays valid if it fails)");
  add->add_option("index", args->dir, "Index folder")->required();
  add->add_option("paths", args->inputs, "Video files, folders or list files")->required();
  add->add_option("--threads", args->embed.threads, "Decoder and compute threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  add->add_flag("--json", args->json, "JSON lines: skipped files, then the index summary");
  add->callback([args] {
    retrieval::VideoIndex index = retrieval::VideoIndex::open(args->dir);
    index.set_threads(args->embed.threads);
    const size_t before = index.videos().size();
    ProgressBar bar;
    const auto skipped = index.add(collect_videos(args->inputs), file_progress(bar, "embedding"));
    bar.clear();
    if (index.videos().size() > before) index.save(args->dir);
    finish(args->dir, index, skipped, args->json);
  });

  CLI::App* info = cmd->add_subcommand("info", "What an index holds: embedding, type, dimensions, videos, rows");
  info->add_option("index", args->dir, "Index folder")->required();
  info->add_flag("--json", args->json, "One JSON object");
  info->callback([args] { print_summary(args->dir, retrieval::VideoIndex::open(args->dir), args->json); });
}

}  // namespace vidrep::cli
