// TrainTask: what a training run fits, as the trainer (train/trainer.h) sees it: a module to
// optimise, a loss per batch and a validation metric. The trainer owns everything else (epochs,
// schedule, optimizer, clipping, checkpoints, early stop, metrics.jsonl, progress), so a
// classifier and the autoencoder train, checkpoint and resume the same way.
//   classify    VideoNet on labelled clips (pixels, or an autoencoder's latents); metric accuracy
//               (micro F1 for multi-label)
//   autoencode  Autoencoder on clips; metric PSNR (dB)
//   pretrain    MaskedVideo on clips (labels ignored); metric the masked patches' SNR (dB)
//   contrastive VideoNet's embedding on two views of each clip (labels ignored, train/contrastive.h);
//               metric the validation clips' pair accuracy
#pragma once

#include "vidrep/data/loader.h"
#include "vidrep/train/distributed.h"
#include "vidrep/train/run.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vidrep {

struct TaskStep {
  at::Tensor loss;   // scalar to backpropagate
  double score = 0;  // summed over the batch's clips: correct clips, or PSNR in dB
  int64_t count = 0; // clips in the batch
};

struct TaskValidation {
  double loss = 0;
  double metric = 0;  // higher is better
  // metrics.jsonl keys after val_loss, e.g. {"val_accuracy", 0.9}, {"val_macro_f1", 0.88}.
  std::vector<std::pair<std::string, double>> values;
};

class TrainTask {
 public:
  virtual ~TrainTask() = default;
  virtual torch::nn::Module& module() = 0;
  // The per-clip training score's name in progress lines and metrics.jsonl ("accuracy" | "psnr" |
  // "snr").
  virtual std::string score_name() const = 0;
  // Forward pass and loss on one batch, in training mode.
  virtual TaskStep step(const Batch& batch) = 0;
  // One pass over the val loader in eval mode (the module's training flag is restored). With a
  // `group`, each rank's loader holds its shard of the split and every rank returns the result
  // over the whole split (sums and predictions gathered from all ranks).
  virtual TaskValidation validate(DataLoader& loader, DistributedGroup* group) = 0;
};

// The task of run.config.task, its module built under the current torch seed.
std::unique_ptr<TrainTask> make_task(const RunInfo& run);

// The loaders a run of the config trains and validates with: run_loader_options(), except for
// contrastive, whose loaders both give two views of clips of twice model.frames under the
// augmentation and preprocess (random clips in training, the centred clip in validation, so
// validation sees the same pairs every epoch).
LoaderOptions task_loader_options(const TrainConfig& config, bool training);

}  // namespace vidrep
