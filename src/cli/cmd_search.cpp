// vidrep search IDX QUERY... [--k K] [--threshold T] [--json]
#include "cli_common.h"
#include "retrieval_cli.h"

#include "vidrep/error.h"
#include "vidrep/retrieval/video_index.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

struct SearchArgs {
  std::string index;
  std::vector<std::string> queries;
  retrieval::SearchOptions options;
  double threshold = 0;
  bool json = false;
};

}  // namespace

void register_search(CLI::App& app) {
  auto args = std::make_shared<SearchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "search", "The videos of an index most like each query, with where the matched segment is in both");
  cmd->add_option("index", args->index, "Index folder (vidrep index build)")->required();
  cmd->add_option("queries", args->queries, "Query video files")->required();
  cmd->add_option("--k", args->options.k, "Videos per query")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--threshold", args->threshold, "Only hits scoring at least this (0.6: what dedup takes for a copy)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json,
                "One JSON line per query: {query, hits: [{path, score, query_start, query_end, ref_start, ref_end}]}");
  cmd->callback([args] {
    const retrieval::VideoIndex index = retrieval::VideoIndex::open(args->index);
    bool failed = false;
    for (const std::string& query : args->queries) {
      std::vector<retrieval::SearchHit> hits;
      try {
        hits = index.search(index.embed(query), args->options);
      } catch (const Error& e) {
        failed = true;
        if (args->json) fmt::print("{}\n", nlohmann::json{{"query", query}, {"error", e.what()}}.dump());
        else fmt::print(stderr, "vidrep: {}\n", e.what());
        continue;
      }
      std::erase_if(hits, [&](const retrieval::SearchHit& h) { return h.score < args->threshold; });
      if (args->json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& h : hits) list.push_back(retrieval::hit_json(h));
        fmt::print("{}\n", nlohmann::json{{"query", query}, {"hits", list}}.dump());
      } else {
        fmt::print("{}:{}\n", query, hits.empty() ? " no match" : "");
        for (const auto& h : hits) fmt::print("  {}\n", hit_text(h));
      }
    }
    if (failed) throw ExitStatus{2};
  });
}

}  // namespace vidrep::cli
