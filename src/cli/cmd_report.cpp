// vidrep report RUN... [--out report.html] [--data DIR] [--split test] [--samples N] [--no-eval]
//                      [--timeline SVG|DIR]... [--search RESULTS.jsonl]...
#include "cli_common.h"

#include "vidrep/report/report.h"

#include <fmt/format.h>

#include <memory>

namespace vidrep::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> runs;
  std::string out = "report.html";
  report::ReportOptions options;
  bool no_eval = false;
};

}  // namespace

void register_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "One self-contained HTML page for runs: training curves, confusion matrix, per-class scores, sample "
                "predictions with thumbnails, autoencoder reconstructions, and anomaly timelines or search results when given");
  cmd->add_option("runs", args->runs, "Run folders (vidrep train, vidrep ae train, vidrep pretrain); several are compared")
      ->required();
  cmd->add_option("--out", args->out, "The HTML file to write")->capture_default_str();
  cmd->add_option("--data", args->options.data, "Dataset folder to evaluate on (default: each run's own)");
  cmd->add_option("--split", args->options.split, "The held-out split evaluated: test | val | train")->capture_default_str();
  cmd->add_option("--checkpoint", args->options.checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--samples", args->options.samples, "Sample predictions shown per classifier (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-eval", args->no_eval, "Curves and configs only: evaluate nothing (no dataset needed)");
  cmd->add_option("--timeline", args->options.timelines, "Anomaly timeline SVGs (vidrep eval anomaly --timeline DIR), files or folders");
  cmd->add_option("--search", args->options.searches, "Search results to show: a file of `vidrep search --json` lines");
  cmd->add_option("--threads", args->options.threads, "LibTorch threads for evaluation (0: one per core)")->capture_default_str();
  cmd->callback([args] {
    args->options.evaluate = !args->no_eval;
    report::write_report(args->runs, args->out, args->options);
    fmt::print("{}: report of {} run{}\n", args->out, args->runs.size(), args->runs.size() == 1 ? "" : "s");
  });
}

}  // namespace vidrep::cli
