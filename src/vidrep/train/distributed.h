// Data-parallel training across processes and machines on torch.distributed's collectives (c10d's
// ProcessGroupGloo over a FileStore or TCPStore; Debian's LibTorch has no DistributedDataParallel,
// so train/gradient_reducer.h does its gradient all-reduce).
//
//   DistributedOptions o = distributed_from_environment();   // torchrun / Slurm / `--nproc-per-node`
//   if (o.active()) { DistributedGroup group(o); group.all_reduce_sum(t); }
//
// A worker learns its place from the environment, as torchrun's workers do: RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; in a task of Slurm's srun SLURM_PROCID,
// SLURM_STEP_NUM_TASKS, SLURM_LOCALID (MASTER_ADDR defaults to 127.0.0.1 on one node; a batch
// script's own shell is no worker); the local launcher
// (train/launch.h) sets VIDREP_STORE_FILE for a FileStore instead of a TCP store. Rank 0 serves the
// TCP store at MASTER_ADDR:MASTER_PORT.
//
// Faults: every rank writes a heartbeat to the store every heartbeat_seconds from a thread of its
// own and watches the others'. A collective fails with ConfigError naming this rank, the
// collective and the ranks that stopped answering: at once when a peer's connection drops (a
// killed worker), after heartbeat_timeout_seconds of silence from a peer (a stopped worker, a
// machine gone), and after timeout_seconds in any case (a rank stuck inside its own process).
// The library never exits the process; the group's destructor does not wait for a failed
// collective's threads.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace vidrep {

struct DistributedOptions {
  int rank = 0;              // of all workers
  int world = 1;             // workers in all
  int local_rank = 0;        // on this machine
  int local_world = 1;       // workers on this machine (each gets cores / local_world threads)
  std::string master_addr;   // the TCP store's host; empty: store_file
  int master_port = 29500;
  std::string store_file;    // a FileStore shared by the workers of one machine
  double timeout_seconds = 300;             // rendezvous and each collective
  double heartbeat_seconds = 2;             // between a rank's heartbeats
  double heartbeat_timeout_seconds = 60;    // silence after which a rank counts as gone
  bool active() const { return world > 1; }
};

// The worker's options from the environment (above); world 1 when no launcher set any. Throws
// ConfigError for values that do not make sense (a rank outside the world, a bad port).
DistributedOptions distributed_from_environment();

// LibTorch threads for one worker: `threads` when > 0, else the machine's cores shared among its
// local workers (at least 1).
int worker_threads(int threads, const DistributedOptions& options);

class DistributedGroup {
 public:
  // Joins the others (rendezvous through the store, then Gloo's connections, both within
  // timeout_seconds) and starts the heartbeat. Throws ConfigError when they do not all arrive.
  explicit DistributedGroup(const DistributedOptions& options);
  // Waits for every rank to arrive here too, so that rank 0's store outlives the others' use.
  ~DistributedGroup();
  DistributedGroup(const DistributedGroup&) = delete;
  DistributedGroup& operator=(const DistributedGroup&) = delete;

  int rank() const;
  int world() const;

  // A collective in flight; wait() rethrows its failure as ConfigError (naming `what`).
  class Pending {
   public:
    struct State;
    explicit Pending(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void wait();

   private:
    std::shared_ptr<State> state_;
  };

  // Sums `t` (contiguous, CPU) over all ranks, in place. `what` names the collective in errors.
  void all_reduce_sum(at::Tensor& t, const std::string& what);
  Pending all_reduce_sum_async(at::Tensor t, const std::string& what);
  // Sums each value over all ranks.
  std::vector<double> sum(const std::vector<double>& values, const std::string& what);
  // Every rank's rows (dim 0) in rank order; the other dims and the dtype must agree. A rank with
  // none passes an empty tensor of the right trailing shape.
  at::Tensor all_gather_rows(const at::Tensor& rows, const std::string& what);
  // Rank `root`'s `t` in every rank's `t` (same shape and dtype everywhere), in place.
  void broadcast(at::Tensor& t, int root, const std::string& what);
  void barrier(const std::string& what);
  // ConfigError on every rank unless every rank passed the same `text`; the message names `what`,
  // the first rank that differs from rank 0, and the first line that differs.
  void require_same(const std::string& what, const std::string& text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep
