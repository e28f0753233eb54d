#include "vidrep/train/task.h"

#include "vidrep/error.h"
#include "vidrep/models/autoencoder.h"
#include "vidrep/models/masked_video.h"
#include "vidrep/train/contrastive.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/metrics.h"
#include "vidrep/train/quality.h"
#include "vidrep/train/run.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

namespace vidrep {
namespace {

// `values` summed over the ranks of `group` (as they are without one).
std::vector<double> summed(DistributedGroup* group, const std::vector<double>& values) {
  return group != nullptr ? group->sum(values, "validation") : values;
}

at::Tensor gathered(DistributedGroup* group, const at::Tensor& rows) {
  return group != nullptr ? group->all_gather_rows(rows.contiguous(), "validation") : rows;
}

// Correct predictions in a batch: top-1 = label, or the exact label set for multi-label.
int64_t count_correct(const at::Tensor& logits, const at::Tensor& labels) {
  if (labels.dim() == 2) return ((logits > 0) == (labels > 0.5)).all(1).sum().item<int64_t>();
  return (logits.argmax(1) == labels).sum().item<int64_t>();
}

class ClassifyTask : public TrainTask {
 public:
  explicit ClassifyTask(const RunInfo& run)
      : classes_(run.classes), label_smoothing_(run.config.label_smoothing), net_(make_run_network(run.config)) {}

  torch::nn::Module& module() override { return *net_.net; }
  std::string score_name() const override { return "accuracy"; }

  TaskStep step(const Batch& batch) override {
    const NetOutput out = net_.forward(batch.video, batch.audio);
    return {classification_loss(out.logits, batch.labels, label_smoothing_),
            static_cast<double>(count_correct(out.logits.detach(), batch.labels)), out.logits.size(0)};
  }

  TaskValidation validate(DataLoader& loader, DistributedGroup* group) override {
    InferenceResult val = run_inference(net_, loader, 0);
    if (group != nullptr) {
      const auto n = static_cast<double>(val.scores.size(0));
      const std::vector<double> loss = group->sum({val.loss * n, n}, "validation");
      val.loss = loss[0] / std::max(1.0, loss[1]);
      val.scores = gathered(group, val.scores);
      val.labels = gathered(group, val.labels);
    }
    const ClassificationReport report = classification_report(val.scores, val.labels, classes_);
    return {val.loss, val.labels.dim() == 2 ? report.micro_f1 : report.accuracy,
            {{"val_accuracy", report.accuracy}, {"val_macro_f1", report.macro_f1}}};
  }

 private:
  std::vector<std::string> classes_;
  double label_smoothing_;
  RunNetwork net_;
};

class AutoencodeTask : public TrainTask {
 public:
  explicit AutoencodeTask(const RunInfo& run) : config_(run.config.autoencoder), ae_(make_autoencoder(config_)) {}

  torch::nn::Module& module() override { return *ae_; }
  std::string score_name() const override { return "psnr"; }

  TaskStep step(const Batch& batch) override {
    const AutoencoderOutput out = ae_->forward(batch.video);
    const AutoencoderLoss loss = autoencoder_loss(config_, out, batch.video);
    const double score = psnr(out.reconstruction.detach().clamp(0, 1), batch.video).sum().item<double>();
    return {loss.total, score, batch.video.size(0)};
  }

  TaskValidation validate(DataLoader& loader, DistributedGroup* group) override {
    const bool was_training = ae_->is_training();
    ae_->eval();
    torch::NoGradGuard no_grad;
    double loss_sum = 0, psnr_sum = 0, ssim_sum = 0;
    int64_t count = 0;
    loader.start_epoch(0);
    while (auto batch = loader.next()) {
      const AutoencoderOutput out = ae_->forward(batch->video);
      const int64_t n = batch->video.size(0);
      loss_sum += autoencoder_loss(config_, out, batch->video).total.item<double>() * static_cast<double>(n);
      const at::Tensor decoded = out.reconstruction.clamp(0, 1);
      psnr_sum += psnr(decoded, batch->video).sum().item<double>();
      ssim_sum += ssim(decoded, batch->video).sum().item<double>();
      count += n;
    }
    ae_->train(was_training);
    const std::vector<double> s = summed(group, {loss_sum, psnr_sum, ssim_sum, static_cast<double>(count)});
    const double d = std::max(s[3], 1.0);
    return {s[0] / d, s[1] / d, {{"val_psnr", s[1] / d}, {"val_ssim", s[2] / d}}};
  }

 private:
  AutoencoderConfig config_;
  Autoencoder ae_;
};

// Masked tube modelling (models/masked_video.h). Training draws fresh masks from torch's generator;
// validation uses the same masks every epoch (a generator seeded per batch), so its loss compares.
class PretrainTask : public TrainTask {
 public:
  explicit PretrainTask(const RunInfo& run) : model_(run.config.model, mask_ratio_of(run.config), run.config.pretrain_target) {}

  torch::nn::Module& module() override { return *model_; }
  std::string score_name() const override { return "snr"; }

  TaskStep step(const Batch& batch) override {
    const at::Tensor errors = model_->clip_errors(batch.video, model_->random_mask(batch.video.size(0)));
    return {errors.mean(), models::snr(errors.detach()).sum().item<double>(), batch.video.size(0)};
  }

  TaskValidation validate(DataLoader& loader, DistributedGroup* group) override {
    const bool was_training = model_->is_training();
    model_->eval();
    torch::NoGradGuard no_grad;
    double error_sum = 0;
    int64_t count = 0;
    loader.start_epoch(0);
    for (uint64_t index = 0; auto batch = loader.next(); ++index) {
      const at::Tensor mask = model_->random_mask(batch->video.size(0), at::make_generator<at::CPUGeneratorImpl>(index));
      error_sum += model_->clip_errors(batch->video, mask).sum().item<double>();
      count += batch->video.size(0);
    }
    model_->train(was_training);
    const std::vector<double> s = summed(group, {error_sum, static_cast<double>(count)});
    const double error = s[0] / std::max(s[1], 1.0);
    const double db = models::snr(at::scalar_tensor(error, at::kDouble)).item<double>();
    return {error, db, {{"val_snr", db}}};
  }

 private:
  models::MaskedVideo model_;
};

// Two views of each clip, pulled together against the batch's other clips (train/contrastive.h).
// The network is a VideoNet whose embedding is the descriptor; its classifier head is not used.
class ContrastiveTask : public TrainTask {
 public:
  explicit ContrastiveTask(const RunInfo& run)
      : temperature_(run.config.temperature), entropy_weight_(run.config.entropy_weight),
        embed_dim_(run.config.model.embed_dim), net_(make_run_network(run.config)) {}

  torch::nn::Module& module() override { return *net_.net; }
  std::string score_name() const override { return "pair_accuracy"; }

  TaskStep step(const Batch& batch) override {
    const at::Tensor z = net_.forward(batch.video, at::Tensor()).embedding;
    return {loss(z), static_cast<double>(pair_hits(z.detach())), z.size(0)};
  }

  TaskValidation validate(DataLoader& loader, DistributedGroup* group) override {
    const bool was_training = net_.net->is_training();
    net_.net->eval();
    torch::NoGradGuard no_grad;
    std::vector<at::Tensor> first, second;
    double loss_sum = 0;
    int64_t count = 0;
    loader.start_epoch(0);
    while (auto batch = loader.next()) {
      const at::Tensor z = net_.forward(batch->video, at::Tensor()).embedding;
      const int64_t n = z.size(0) / 2;
      loss_sum += loss(z).item<double>() * static_cast<double>(2 * n);
      count += 2 * n;
      first.push_back(z.slice(0, 0, n));
      second.push_back(z.slice(0, n));
    }
    net_.net->train(was_training);
    const std::vector<double> s = summed(group, {loss_sum, static_cast<double>(count)});
    if (s[1] == 0) return {};
    const auto none = torch::zeros({0, embed_dim_});
    const at::Tensor a = gathered(group, first.empty() ? none : at::cat(first));
    const at::Tensor b = gathered(group, second.empty() ? none : at::cat(second));
    // Over the whole split: each clip's view among every clip's other view.
    const double accuracy = pair_accuracy(a, b);
    return {s[0] / s[1], accuracy, {{"val_pair_accuracy", accuracy}}};
  }

 private:
  // InfoNCE plus the weighted KoLeo term, over a batch's [2B,D] embeddings.
  at::Tensor loss(const at::Tensor& z) const {
    const at::Tensor nce = info_nce(z, temperature_);
    return entropy_weight_ > 0 ? nce + entropy_weight_ * koleo(z) : nce;
  }

  double temperature_, entropy_weight_;
  int64_t embed_dim_;
  RunNetwork net_;
};

}  // namespace

LoaderOptions task_loader_options(const TrainConfig& config, bool training) {
  if (config.task != Task::Contrastive) return run_loader_options(config, training);
  LoaderOptions o = run_loader_options(config, true);
  o.views = 2;
  o.clip_len = 2 * config.model.frames;  // `speed` plays it into model.frames at 0.5-2x
  o.shuffle = o.random_clip = training;
  // Pairs from other clips are the negatives: a batch of one clip has none.
  o.drop_last = training;
  return o;
}

std::unique_ptr<TrainTask> make_task(const RunInfo& run) {
  switch (run.config.task) {
    case Task::Autoencode:
      return std::make_unique<AutoencodeTask>(run);
    case Task::Pretrain:
      return std::make_unique<PretrainTask>(run);
    case Task::Contrastive:
      return std::make_unique<ContrastiveTask>(run);
    case Task::Classify:
      break;
  }
  return std::make_unique<ClassifyTask>(run);
}

}  // namespace vidrep
