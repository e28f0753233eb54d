// The network of a run folder, rebuilt from RUN/config.json and loaded from a checkpoint, in
// eval mode. Shared by evaluate, predict and export.
#pragma once

#include "vidrep/models/network.h"
#include "vidrep/train/run.h"

#include <string>

namespace vidrep {

VideoNet load_run_network(const RunInfo& run, const std::string& which = "best");

}  // namespace vidrep
