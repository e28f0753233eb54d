// TrainConfig: everything a training run depends on, saved as RUN/config.json so that a run can be
// resumed, evaluated and reproduced. `vidrep train --config F.json` reads the same format (any
// subset of the keys; command-line flags given explicitly override it).
//
//   {"data": "data/motion", "epochs": 30, "batch": 16, "lr": 0.002, "optimizer": "adamw",
//    "schedule": "cosine", "warmup": 1, "model": {"arch": "c3d", "modality": "video", ...}}
#pragma once

#include "vidrep/models/autoencoder_config.h"
#include "vidrep/models/config.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace vidrep {

struct TrainConfig {
  std::string task = "classify";     // classify (model) | autoencode (autoencoder)
  std::string data;                  // dataset folder (data/dataset.h layouts)
  ModelConfig model;                 // classify: arch, modality, input clip (frames = clip length, size)
  AutoencoderConfig autoencoder;     // autoencode: compression, size, training clip
  // classify: what the network reads. pixels: the clips; latent: the clips encoded by the
  // autoencoder of run `ae` (frozen), so the network sees [B,C,t,h,w] latents (network_config()).
  std::string input = "pixels";
  std::string ae;                    // autoencoder run folder (input latent)
  // A finished or interrupted run of the same task and network whose best.pt weights the network
  // starts from (fine-tuning, or a second schedule); the optimizer and schedule start afresh.
  std::string init;                  // empty: torch's default initialisation under `seed`

  int64_t epochs = 30;
  int64_t batch = 16;
  std::string optimizer = "adamw";   // sgd (momentum, nesterov off) | adam | adamw
  double lr = 2e-3;                  // peak learning rate
  double momentum = 0.9;             // sgd
  double weight_decay = 0.05;        // adamw: decoupled; sgd/adam: L2 in the gradient
  std::string schedule = "cosine";   // cosine (to 0 at the last step) | step (x gamma every step_epochs)
  double warmup = 1;                 // epochs of linear warmup from lr/100 (fractions allowed)
  int64_t step_epochs = 10;          // step schedule
  double gamma = 0.1;                // step schedule
  double grad_clip = 1.0;            // max global gradient L2 norm; 0: off
  double label_smoothing = 0;        // cross-entropy only
  int64_t patience = 10;             // early stop after this many epochs without a better val metric; 0: off
  int64_t frame_stride = 1;
  std::string transform;             // training augmentation (transform::Pipeline text); empty: none
  double audio_seconds = 2.0;        // audio window per clip (from its first frame), as log-mel
  uint64_t seed = 0;
  int threads = 0;                   // LibTorch threads; 0: one per core
  int workers = 2;                   // loader threads
};

// The network a classify run builds: `model`, or for input latent the same with in_channels,
// frames, height and width of the latent of a model.frames x height x width clip.
ModelConfig network_config(const TrainConfig& c, const AutoencoderConfig& ae);

// Unknown keys, wrong types and invalid values are ConfigError naming the key. The JSON has
// "model" for task classify and "autoencoder" for task autoencode.
void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);
void validate(const TrainConfig& c);

// Reads a config file (ConfigError naming the file for a syntax error) and applies its keys on top
// of `base`: keys missing from the file keep base's values; "model" merges key by key.
TrainConfig merge_config_file(const TrainConfig& base, const std::string& path);

}  // namespace vidrep
