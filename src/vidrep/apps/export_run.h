// export_run(): a trained run's network handed to Python users (see apps/export.h for the format:
// weights.pt readable by torch.load, model.json, and python/vidrep_models.py to rebuild it),
// plus classes.txt so the outputs can be named. An autoencoder run exports its autoencoder
// (weights.pt, autoencoder.json) and no classes.
#pragma once

#include <string>

namespace vidrep {

// Throws ConfigError when the run or its checkpoint cannot be loaded, WriteError for the output.
void export_run(const std::string& run_dir, const std::string& out_dir, const std::string& checkpoint = "best");

}  // namespace vidrep
