// A run folder: what training writes and everything that reads it back (resume, eval, predict,
// export, tokens, latent inputs). One place for its files, its networks and their export.
//   RUN/config.json    the TrainConfig (model included, num_classes filled in)
//   RUN/classes.txt    class names, one per line, in label order (classifiers)
//   RUN/metrics.jsonl  one JSON object per finished epoch
//   RUN/last.pt        model + optimizer + trainer state after the last finished epoch
//   RUN/best.pt        the same for the epoch with the best validation metric
//   RUN/frame_index.bin the frame indexes of the dataset's files (io/frame_index_cache.h), so a
//                      resumed run, or eval, skips the packet scans; safe to delete
// Every file is written to a temporary name and renamed, so an interrupted run is always
// resumable from its last finished epoch.
//
// export_run() hands a run's network to Python users as two files in out_dir (created if
// missing), each written through a temporary name:
//   weights.pt   torch::pickle_save of a dict {parameter or buffer name: tensor} (the state dict);
//                Python reads it with torch.load(path)
//   model.json   the ModelConfig (autoencoder.json, the AutoencoderConfig, for an autoencoder)
// plus classes.txt for a classifier. python/vidrep/models.py defines every architecture with the
// same parameter names, so
//
//   import vidrep.models
//   net = vidrep.models.load_export("out_dir")      # eval mode, load_state_dict(strict=True)
//   logits, embedding = net(video, audio)           # as VideoNet::forward, to float rounding
//
// Why no TorchScript file: tried with LibTorch 1.13's C++ tracer (torch::jit::tracer::trace with a
// jit::Module holding the network's own parameter tensors, the graph added as its `forward`): it
// saves, and Python's torch.jit.load runs it, but the C++ tracer cannot see integer arithmetic, so
// every size the C++ code computes (x.size(0) in a reshape, the GRU's zero initial state) is
// frozen into the graph as a constant, and the module only accepts the batch size it was traced
// with ("shape '[32, 3, 32, 32]' is invalid" for another batch). Writing every module around that
// would be fragile. python/vidrep/models.py gives Python users the same network at any batch size,
// trainable, and torch.jit.trace in Python turns it into TorchScript that is not batch-bound.
#pragma once

#include "vidrep/models/autoencoder.h"
#include "vidrep/models/network.h"
#include "vidrep/train/config.h"

#include <string>
#include <vector>

namespace vidrep {

struct RunInfo {
  std::string dir;
  TrainConfig config;
  std::vector<std::string> classes;

  std::string checkpoint(const std::string& which) const;  // "best" | "last" -> RUN/<which>.pt
  std::string metrics_path() const;
  std::string index_cache_path() const;
};

// Throws ConfigError "<dir>: not a vidrep run (no config.json)" and for unreadable contents.
RunInfo load_run_info(const std::string& dir);

// Starts a run folder (created if missing): classes.txt (classifiers), an empty metrics.jsonl,
// then config.json, whose presence marks the folder as a run. WriteError naming the file.
void save_run_info(const RunInfo& run);

// A classifier and, for input latent runs, the frozen autoencoder that turns its clips into
// latents first (shared by training, evaluate, predict and export).
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

// A run's network (the autoencoder of an autoencode run) as above. Throws ConfigError when the
// run or its checkpoint cannot be loaded, WriteError for the output.
void export_run(const std::string& run_dir, const std::string& out_dir, const std::string& checkpoint = "best");
// The parts: weights.pt and model.json of a network; weights.pt and autoencoder.json of an
// autoencoder (vidrep.models.load_export gives a CausalAutoencoder matching encode / decode).
void export_network(VideoNet& net, const std::string& out_dir);
void export_autoencoder(Autoencoder& ae, const std::string& out_dir);

}  // namespace vidrep
