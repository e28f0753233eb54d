// vidrep export --run RUN --out DIR [--checkpoint best|last]
#include "cli_common.h"

#include "vidrep/train/run.h"

#include <fmt/format.h>

#include <memory>

namespace vidrep::cli {
namespace {

struct ExportArgs {
  std::string run, out, checkpoint = "best";
};

}  // namespace

void register_export(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Hand a trained run to Python: weights.pt (torch.load), model.json + classes.txt (autoencoder.json for ae runs); rebuild with python/vidrep/models.py");
  cmd->add_option("--run", args->run, "Run folder written by vidrep train or vidrep ae train")->required();
  cmd->add_option("--out", args->out, "Output folder (created)")->required();
  cmd->add_option("--checkpoint", args->checkpoint, "best | last")->capture_default_str();
  cmd->callback([args] {
    export_run(args->run, args->out, args->checkpoint);
    fmt::print("{}: exported the {} checkpoint to {} (Python: vidrep.models.load_export('{}'))\n", args->run,
               args->checkpoint, args->out, args->out);
  });
}

}  // namespace vidrep::cli
