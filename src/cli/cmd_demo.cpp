// vidrep demo [--out-dir DIR] [--threads N] [--per-class N] [--epochs E]
#include "cli_common.h"

#include "vidrep/apps/demo.h"
#include "vidrep/error.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

#include <memory>

namespace vidrep::cli {

void register_demo(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "The main job on built-in data: synth datasets, train temporal, order-blind and fusion models, evaluate, predict");
  cmd->add_option("--out-dir", options->out_dir, "Folder for the demo's data and runs (replaced)")->capture_default_str();
  cmd->add_option("--threads", options->threads, "Threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--per-class", options->per_class, "Train videos per class")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", options->epochs, "Epochs per model (default: the training default)")->check(CLI::NonNegativeNumber);
  cmd->callback([options] {
    set_num_threads(options->threads);
    const DemoResult r = run_demo(*options, [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    });
    fmt::print("\n{:<16} {:>9} {:>9}  {:<9} {:>8}\n", "model", "test acc", "macro F1", "target", "train s");
    for (const auto& run : r.runs)
      fmt::print("{:<16} {:>7.1f} % {:>9.3f}  {:<9} {:>8.1f}  {}\n", run.name, 100 * run.accuracy, run.macro_f1, run.target,
                 run.train_seconds, run.target_met ? "ok" : "MISSED");
    fmt::print("demo: {:.1f} s in all; runs in {}/runs (vidrep eval --run DIR, vidrep predict --run DIR FILE)\n", r.seconds,
               options->out_dir);
    if (!r.ok) throw Error("demo: a target was missed (see the table above)");
    fmt::print("demo: all targets met\n");
  });
}

}  // namespace vidrep::cli
