// vidrep eval --run RUN [--data DIR] [--split test] [--checkpoint best|last] [--json]
#include "cli_common.h"

#include "vidrep/train/evaluate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_eval(CLI::App& app) {
  auto args = std::make_shared<std::pair<std::string, EvalOptions>>();
  auto json = std::make_shared<bool>(false);
  EvalOptions& o = args->second;
  CLI::App* cmd = app.add_subcommand("eval", "Metrics of a trained run on a dataset split: top-1/top-5, per-class P/R/F1, confusion");
  cmd->add_option("--run", args->first, "Run folder written by vidrep train")->required();
  cmd->add_option("--data", o.data, "Dataset folder (default: the run's)");
  cmd->add_option("--split", o.split, "train | val | test")->capture_default_str();
  cmd->add_option("--checkpoint", o.checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", o.workers, "Loader threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", *json, "One JSON object: accuracy, top5, macro_f1, micro_f1, per_class, confusion");
  cmd->callback([args, json] {
    const EvalResult r = evaluate_run(args->first, args->second);
    for (const auto& s : r.skipped) fmt::print(stderr, "vidrep: skipped unreadable file {}\n", s);
    if (*json) {
      nlohmann::json j = r.report;
      j["loss"] = r.loss;
      j["split"] = args->second.split;
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{} on the {} split\n{}", args->first, args->second.split, format_report(r.report));
    }
  });
}

}  // namespace vidrep::cli
