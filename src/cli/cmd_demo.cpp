// vidrep demo [--out-dir DIR] [--threads N]
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
      "demo", "Run the main job on built-in data: write a sample video with audio, probe it, read frames, clips and audio back and check them");
  cmd->add_option("--out-dir", options->out_dir, "Folder for the demo's files")->capture_default_str();
  cmd->add_option("--threads", options->threads, "Threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->callback([options] {
    set_num_threads(options->threads);
    const DemoResult r = run_demo(*options, [](const std::string& line) { fmt::print("{}\n", line); });
    if (!r.ok) throw Error("demo: a check failed (see the lines above)");
    fmt::print("demo: all checks passed\n");
  });
}

}  // namespace vidrep::cli
