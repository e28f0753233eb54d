// train(): fits a network on a dataset folder and writes a run folder (train/run.h) — the LibTorch
// equivalent of an MMAction2 / PyTorchVideo training script.
//
//   vidrep::TrainConfig c;  c.data = "data/motion";  c.model.arch = "cnn_lstm";
//   vidrep::TrainResult r = vidrep::train(c, "runs/motion", {.on_epoch = print_epoch});
//   vidrep::resume("runs/motion");    // continues an interrupted run from RUN/last.pt
//
// What is fitted is the config's task (train/task.h): a classifier (cross-entropy, or BCE for
// multi-label lists; metric val accuracy, micro F1 for multi-label) or the autoencoder
// (reconstruction loss; metric val PSNR). Per epoch: the train split in a seeded shuffled order
// (one random clip per video), gradient clipping, one optimizer step per batch at the scheduled
// rate; then the val split (centred clips), a line in metrics.jsonl, RUN/last.pt and, when the
// validation metric improved (or tied at a lower validation loss), RUN/best.pt. Training stops
// early after `patience` epochs in which neither the metric nor the validation loss improved, never
// before `min_epochs`. Everything random
// comes from the seed, so a run resumed from any finished epoch ends exactly where an
// uninterrupted one with the same seed and thread count would.
#pragma once

#include "vidrep/train/config.h"
#include "vidrep/train/distributed.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vidrep {

struct BatchProgress {
  int64_t epoch = 0, epochs = 0;    // epoch counts from 1
  int64_t batch = 0, batches = 0;   // batches done in this epoch / per epoch
  double loss = 0, score = 0;       // running means over the epoch so far
  std::string score_name;           // accuracy (a fraction) | psnr (dB)
  double clips_per_second = 0;
  double eta_seconds = 0;           // until the end of the run (all epochs)
  bool validating = false;
};

struct EpochRecord {
  int64_t epoch = 0;                // counts from 1
  double lr = 0;                    // at the epoch's last step
  double train_loss = 0, train_score = 0;
  std::string score_name;           // accuracy | psnr
  double val_loss = 0;
  double val_metric = 0;            // the one that picks best.pt (higher is better)
  // As in metrics.jsonl: val_accuracy, val_macro_f1 (classify) or val_psnr, val_ssim (autoencode).
  std::vector<std::pair<std::string, double>> val_values;
  double clips_per_second = 0;      // training clips (of all ranks) / training seconds
  double seconds = 0;               // whole epoch, validation included
  bool best = false;
  // Distributed runs: the ranks, and the seconds of training this rank spent waiting for the
  // gradient all-reduce after its backward pass ended (metrics.jsonl: world_size,
  // allreduce_wait_seconds, train_seconds, and gradient_bytes and steps per epoch).
  int world = 1;
  double allreduce_wait_seconds = 0, train_seconds = 0;
};

struct TrainCallbacks {
  std::function<void(const BatchProgress&)> on_batch;
  std::function<void(const EpochRecord&)> on_epoch;
  std::function<void(const std::string&)> on_message;  // skipped files, early stop, ...
  std::function<bool()> stop_requested;                // checked after each epoch
};

struct TrainResult {
  std::string run_dir;
  int64_t epochs_done = 0;          // in total, resumed epochs included
  int64_t best_epoch = -1;
  double best_val_metric = 0;       // accuracy (micro F1 for multi-label) or PSNR in dB
  bool early_stopped = false;
  bool interrupted = false;         // stop_requested said yes; resume() continues
  double seconds = 0;               // this call
  std::vector<std::string> skipped; // unreadable files
};

// Builds a new run in `run_dir` (created; ConfigError if it already holds a run). For classify,
// the config's model.num_classes / multi_label / mel shape are filled in from the data.
//
// Data-parallel over processes (and machines) when `distributed` is active (train/distributed.h),
// each process calling train() with the same config, as PyTorch's DistributedDataParallel does:
// the global batch (config.batch) is split over the ranks (DistributedBatches: every rank reads
// its part of every batch of the same seeded epoch), each rank's gradient is weighted by its
// clip count, summed over the ranks in buckets while backward runs and divided by the global
// batch's count (train/gradient_reducer.h), so every rank takes the same optimizer step and the
// run equals a one-process run with the same global batch (up to float rounding) for networks
// without BatchNorm. BatchNorm layers normalise with each rank's part of the batch and average
// their running statistics over the ranks after each epoch; dropout and masks draw per rank.
// Validation is sharded and gathered. Rank 0 alone writes the run folder and calls on_batch,
// on_epoch and on_message (other ranks' messages: their skipped files, prefixed with the rank);
// a stop requested on any rank stops all after the same epoch. The ranks must agree on the
// config (threads and workers aside) and the data (ConfigError otherwise). Threads: config.threads,
// or the machine's cores shared among its local workers.
TrainResult train(TrainConfig config, const std::string& run_dir, const TrainCallbacks& callbacks = {},
                  const DistributedOptions& distributed = {});

// The learning-rate range test (L. Smith, "Cyclical learning rates", 2017; fast.ai's lr_find): the
// network of `config` (fresh, or --init's weights) trained for `steps` batches of the training
// split at a rate rising exponentially from `lo` to `hi`, recording the training loss smoothed by
// an exponential average; it stops early once that loss exceeds 4x its minimum (or is not finite).
// Writes nothing. suggested: the rate at the smoothed loss's minimum, divided by 10.
struct LrRange {
  std::vector<double> lrs, losses;
  double suggested = 0;
  bool diverged = false;  // stopped before `steps` because the loss blew up
};
LrRange find_lr(TrainConfig config, int64_t steps = 100, double lo = 1e-6, double hi = 1.0,
                const TrainCallbacks& callbacks = {});

// Continues a run from RUN/last.pt (a finished run returns at once). `threads` > 0 overrides the
// saved thread count (results then match a run with that count).
// Distributed as train(), with any number of ranks: the global batch stays the run's.
TrainResult resume(const std::string& run_dir, const TrainCallbacks& callbacks = {}, int threads = 0,
                   const DistributedOptions& distributed = {});

}  // namespace vidrep
