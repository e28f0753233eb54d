// One pass of a network over a DataLoader without gradients: the scores (probabilities), labels
// and mean loss, shared by validation during training, `vidrep eval` and the loss functions the
// trainer uses.
#pragma once

#include "vidrep/data/loader.h"
#include "vidrep/train/run.h"
#include "vidrep/train/config.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>

namespace vidrep {

// The loader settings of a run: training (shuffled, random clips, the config's augmentation then
// its preprocess) or evaluation (dataset order, centred clips, preprocess only). workers < 0: the
// config's.
LoaderOptions run_loader_options(const TrainConfig& config, bool training, int workers = -1);

// Cross-entropy (with label smoothing) for int64 labels [B]; BCE-with-logits for multi-hot [B,K].
at::Tensor classification_loss(const at::Tensor& logits, const at::Tensor& labels, double label_smoothing = 0);
// softmax, or sigmoid for multi-label.
at::Tensor class_probabilities(const at::Tensor& logits, bool multi_label);

struct InferenceResult {
  at::Tensor scores;  // float32 [N,K] probabilities, in loader order
  at::Tensor labels;  // int64 [N] or float32 [N,K]
  double loss = 0;    // mean over samples
};

// Runs epoch `epoch` of the loader (its order and draws) in eval mode, then restores the
// module's training flag. `progress(done_batches, total_batches)` after every batch.
InferenceResult run_inference(RunNetwork& net, DataLoader& loader, int64_t epoch,
                              const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace vidrep
