// Checkpoints: a module (a classifier or an autoencoder), its optimizer and the trainer's counters in one torch archive, written
// through a temporary name. The global CPU generator's state is saved too, so dropout draws after
// a resume are the ones an uninterrupted run would have made.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <string>

namespace vidrep {

struct TrainState {
  int64_t next_epoch = 0;     // epochs finished
  int64_t step = 0;           // optimizer steps taken
  double best_metric = -1;    // best validation metric so far
  double best_loss = 1e300;   // its validation loss (the tie-break between equal metrics)
  int64_t best_epoch = -1;
  double lowest_loss = 1e300;  // lowest validation loss so far, at any metric
  int64_t stale_epochs = 0;   // epochs since the metric or the loss last improved
};

void save_checkpoint(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer* optimizer,
                     const TrainState& state);

// Loads into an already built module (and optimizer, when given) of the same config. Throws
// ConfigError naming the file when it is missing or does not match the module.
void load_checkpoint(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer* optimizer,
                     TrainState* state);

}  // namespace vidrep
