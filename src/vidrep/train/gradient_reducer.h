// GradientReducer: the gradient all-reduce of data-parallel training, done the way PyTorch's
// DistributedDataParallel does it (Debian's LibTorch does not package its Reducer): the
// parameters, in reverse order of registration (about the order backward produces their
// gradients), are cut into buckets of ~25 MB, the first one small (1 MB) so that communication
// starts early; an autograd hook on each parameter copies its gradient into its bucket, and a
// bucket whose gradients are all in is summed over the ranks at once, asynchronously, while
// backward goes on. Buckets start in the same order on every rank (a ready bucket waits for the
// ones before it), as Gloo's collectives require.
//
//   GradientReducer reducer(group, module.parameters());
//   reducer.prepare(local_clips);                  // this rank's part of the global batch
//   loss.backward();
//   double global_clips = reducer.finish();        // every rank's .grad: the global batch's gradient
//
// Each rank's gradient (of its own mean loss) is weighted by its clip count, summed, and divided
// by the sum of the counts (which rides along with the last all-reduce, so a step needs no other
// collective): ranks with unequal batches (the last batch of an epoch) still give exactly the
// gradient of the global batch's mean loss. A rank without a batch in a step prepares weight 0
// and calls finish() without a backward pass; a parameter that got no gradient counts as zero,
// and one that got none on any rank (or a step whose weights sum to 0) is left without a
// gradient, as in one process (optimizers skip it).
#pragma once

#include "vidrep/train/distributed.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace vidrep {

struct ReducerStats {
  int64_t steps = 0;
  int64_t buckets = 0;            // per step
  double bytes_per_step = 0;      // gradient bytes each rank sends into the all-reduce
  double wait_seconds = 0;        // in finish(), waiting for the all-reduce after backward ended
  double finish_seconds = 0;      // all of finish(), copies included
};

class GradientReducer {
 public:
  // `parameters`: the ones to train (those without requires_grad are left out), float32.
  // overlap false launches every bucket only in finish(), after backward (for measuring what
  // the overlap gains).
  GradientReducer(DistributedGroup& group, std::vector<at::Tensor> parameters, int64_t bucket_bytes = 25 << 20,
                  int64_t first_bucket_bytes = 1 << 20, bool overlap = true);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // `weight` >= 0: this rank's part of the step (its clip count).
  void prepare(double weight);
  // Waits for the all-reduce; returns the weights' sum over the ranks.
  double finish();
  const ReducerStats& stats() const;
  // Parameter counts per bucket, in launch order (for tests).
  std::vector<int64_t> bucket_sizes() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vidrep
