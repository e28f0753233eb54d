// The networks of run folders, rebuilt from RUN/config.json and loaded from a checkpoint:
//   RunNetwork     a classifier and, for input latent runs, the frozen autoencoder that turns its
//                  clips into latents first (shared by training, evaluate, predict and export);
//   Autoencoder    the network of an autoencode run (ae eval / encode / decode, latent tokens).
#pragma once

#include "vidrep/models/autoencoder.h"
#include "vidrep/models/network.h"
#include "vidrep/train/run.h"

#include <string>

namespace vidrep {

struct RunNetwork {
  VideoNet net{nullptr};
  Autoencoder ae{nullptr};  // input latent only: encodes the loader's [0,1] clips (eval mode, no gradients)

  // net(ae ? latents of video : video, audio).
  NetOutput forward(const at::Tensor& video, const at::Tensor& audio);
};

// A fresh classifier for a classify config (torch's default initialisation under the current
// seed), with its autoencoder loaded from config.ae's best checkpoint when input is latent.
RunNetwork make_run_network(const TrainConfig& config);

// The classifier of a classify run, loaded from RUN/<which>.pt, in eval mode. ConfigError for an
// autoencode run.
RunNetwork load_run_network(const RunInfo& run, const std::string& which = "best");

// The autoencoder of an autoencode run, loaded from RUN/<which>.pt, in eval mode. ConfigError
// "RUN: not an autoencoder run (task classify)" for any other run.
Autoencoder load_run_autoencoder(const RunInfo& run, const std::string& which = "best");
Autoencoder load_run_autoencoder(const std::string& run_dir, const std::string& which = "best");

}  // namespace vidrep
