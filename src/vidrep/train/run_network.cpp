#include "vidrep/train/run_network.h"

#include "vidrep/train/checkpoint.h"

namespace vidrep {

VideoNet load_run_network(const RunInfo& run, const std::string& which) {
  VideoNet net = make_network(run.config.model);
  load_checkpoint(run.checkpoint(which), net, nullptr, nullptr);
  net->eval();
  return net;
}

}  // namespace vidrep
