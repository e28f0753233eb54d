// launch_workers(): torchrun's job for vidrep's training commands. The process runs its own
// command line again as `nproc_per_node` worker processes, each told its place through the
// environment that train/distributed.h reads (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, and
// MASTER_ADDR/MASTER_PORT, or VIDREP_STORE_FILE: a FileStore in a fresh temporary folder when the
// run is on this machine alone and no --master-addr was given), then watches them:
//   - every worker done with status 0: returns 0;
//   - a worker that fails (a non-zero status, or killed by a signal) while others run: names its
//     rank (on_message), stops the others (SIGTERM, SIGKILL 10 s later) and returns its status
//     (128 + the signal for a signal);
//   - SIGINT or SIGTERM to the launcher is passed on to the workers once (they run in a process
//     group of their own, so a Ctrl-C in the terminal reaches them through the launcher only:
//     the first stops training after the epoch, resumable; a second aborts);
//   - a launcher that dies takes its workers with it (PR_SET_PDEATHSIG).
// A multi-machine run is the same command on each machine with nnodes, node_rank and
// master_addr: the workers of machine k are ranks k * nproc_per_node ... (k + 1) * nproc_per_node - 1.
#pragma once

#include <functional>
#include <string>

namespace vidrep {

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr;  // rank 0's machine; empty: this machine alone, through a FileStore
  int master_port = 29500;
};

// Throws ConfigError for options that do not make sense (node_rank outside nnodes, no
// master_addr for several machines) or when a worker cannot be started. `on_message` gets the
// launcher's own lines (a worker that failed, the others stopped).
int launch_workers(const LaunchOptions& options, const std::function<void(const std::string&)>& on_message = {});

}  // namespace vidrep
