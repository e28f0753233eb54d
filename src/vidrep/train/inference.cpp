#include "vidrep/train/inference.h"

#include <torch/torch.h>

namespace vidrep {

at::Tensor classification_loss(const at::Tensor& logits, const at::Tensor& labels, double label_smoothing) {
  namespace F = torch::nn::functional;
  if (labels.dim() == 2) return F::binary_cross_entropy_with_logits(logits, labels);
  return F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
}

LoaderOptions run_loader_options(const TrainConfig& c, bool training, int workers) {
  LoaderOptions o;
  o.batch_size = c.batch;
  o.workers = workers < 0 ? c.workers : workers;
  o.seed = c.seed;
  o.shuffle = training;
  o.random_clip = training;
  const std::string preprocess = preprocess_of(c);
  const std::string augmentation = training ? augmentation_of(c) : "";
  o.transform = augmentation.empty() ? preprocess
                : preprocess.empty() ? augmentation
                                     : augmentation + "," + preprocess;
  o.frame_stride = c.frame_stride;
  if (c.task == Task::Autoencode) {
    o.clip_len = c.autoencoder.frames;
    o.width = static_cast<int>(c.autoencoder.width);
    o.height = static_cast<int>(c.autoencoder.height);
    o.audio = false;
    return o;
  }
  o.clip_len = c.model.frames;
  o.width = static_cast<int>(c.model.width);
  o.height = static_cast<int>(c.model.height);
  o.video = c.model.modality != "audio";
  o.audio = c.model.modality != "video";
  o.mel.audio_seconds = c.audio_seconds;
  o.mel.mel_bins = static_cast<int>(c.model.mel_bins);
  return o;
}

at::Tensor class_probabilities(const at::Tensor& logits, bool multi_label) {
  return multi_label ? logits.sigmoid() : logits.softmax(1);
}

InferenceResult run_inference(RunNetwork& net, DataLoader& loader, int64_t epoch,
                              const std::function<void(int64_t, int64_t)>& progress) {
  const bool was_training = net.net->is_training();
  net.net->eval();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> scores, labels;
  double loss_sum = 0;
  int64_t count = 0, done = 0;
  const bool multi = loader.dataset().multi_label;
  loader.start_epoch(epoch);
  while (auto batch = loader.next()) {
    const NetOutput out = net.forward(batch->video, batch->audio);
    const int64_t n = out.logits.size(0);
    loss_sum += classification_loss(out.logits, batch->labels).item<double>() * static_cast<double>(n);
    count += n;
    scores.push_back(class_probabilities(out.logits, multi));
    labels.push_back(batch->labels);
    if (progress) progress(++done, loader.batches_per_epoch());
  }
  net.net->train(was_training);
  InferenceResult r;
  const int64_t k = static_cast<int64_t>(loader.dataset().classes.size());
  r.scores = scores.empty() ? torch::zeros({0, k}) : torch::cat(scores);
  r.labels = labels.empty() ? (multi ? torch::zeros({0, k}) : torch::zeros({0}, torch::kLong)) : torch::cat(labels);
  r.loss = count > 0 ? loss_sum / static_cast<double>(count) : 0.0;
  return r;
}

}  // namespace vidrep
