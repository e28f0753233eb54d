// vidrep recommend IDX --history A,B,... [--k K] [--diversity D] [--json]
#include "cli_common.h"
#include "retrieval_cli.h"

#include "vidrep/error.h"
#include "vidrep/retrieval/collection.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <sstream>

namespace vidrep::cli {
namespace {

struct RecommendArgs {
  std::string index;
  std::string history;
  retrieval::RecommendOptions options;
  bool json = false;
};

}  // namespace

void register_recommend(CLI::App& app) {
  auto args = std::make_shared<RecommendArgs>();
  CLI::App* cmd = app.add_subcommand("recommend", "Videos of an index like a viewing history, diversified");
  cmd->add_option("index", args->index, "Index folder (vidrep index build)")->required();
  cmd->add_option("--history", args->history, "Indexed videos watched, comma-separated paths")->required();
  cmd->add_option("--k", args->options.k, "Videos to recommend")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--diversity", args->options.diversity,
                  "0: the most similar videos; up to 1: each pick unlike the ones before (maximal marginal relevance)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "One JSON line per video: {rank, path, relevance, mmr}");
  cmd->callback([args] {
    const retrieval::VideoIndex index = retrieval::VideoIndex::open(args->index);
    std::vector<int64_t> history;
    std::stringstream list(args->history);
    for (std::string path; std::getline(list, path, ',');) {
      if (path.empty()) continue;
      const int64_t v = index.find(path);
      if (v < 0) throw InvalidArgument(fmt::format("--history: {} is not in the index {}", path, args->index));
      history.push_back(v);
    }
    const auto recs = retrieval::recommend(index, history, args->options);
    for (size_t r = 0; r < recs.size(); ++r) {
      if (args->json) {
        fmt::print("{}\n", nlohmann::json{{"rank", r + 1}, {"path", recs[r].path}, {"relevance", recs[r].relevance},
                                          {"mmr", recs[r].mmr}}.dump());
      } else {
        fmt::print("{:2d}. {:.3f}  {}\n", r + 1, recs[r].relevance, recs[r].path);
      }
    }
  });
}

}  // namespace vidrep::cli
