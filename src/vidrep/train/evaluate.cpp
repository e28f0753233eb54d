#include "vidrep/train/evaluate.h"

#include "vidrep/data/dataset.h"
#include "vidrep/data/loader.h"
#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/runtime.h"
#include "vidrep/sample/clip_sampler.h"
#include "vidrep/tensor.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/quality.h"
#include "vidrep/train/run.h"
#include "vidrep/transform/convert.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>

namespace vidrep {
namespace {

// Sums of the per-clip metrics of every clip seen.
class QualityTotals {
 public:
  explicit QualityTotals(Autoencoder& ae) : ae_(ae) {}

  void add(const at::Tensor& clips) {  // [B,3,T,H,W] in [0,1]
    const at::Tensor latent = ae_->encode(clips);
    const at::Tensor decoded = ae_->decode(latent).clamp(0, 1);
    const int64_t values = latent[0].numel();
    const at::Tensor baseline = resize_baseline(clips, values);
    psnr_ += psnr(decoded, clips).sum().item<double>();
    ssim_ += ssim(decoded, clips).sum().item<double>();
    baseline_psnr_ += psnr(baseline, clips).sum().item<double>();
    baseline_ssim_ += ssim(baseline, clips).sum().item<double>();
    if (r_.clips == 0) {
      r_.clip = {clips.size(2), clips.size(3), clips.size(4)};
      r_.latent = {latent.size(2), latent.size(3), latent.size(4)};
      r_.baseline = baseline_size(r_.clip, values);
      r_.latent_values = values;
      r_.pixel_values = clips[0].numel();
    }
    r_.clips += clips.size(0);
  }

  AeEvalResult result() const {
    AeEvalResult r = r_;
    const double n = static_cast<double>(std::max<int64_t>(r.clips, 1));
    r.psnr = psnr_ / n;
    r.ssim = ssim_ / n;
    r.baseline_psnr = baseline_psnr_ / n;
    r.baseline_ssim = baseline_ssim_ / n;
    return r;
  }

 private:
  Autoencoder& ae_;
  AeEvalResult r_;
  double psnr_ = 0, ssim_ = 0, baseline_psnr_ = 0, baseline_ssim_ = 0;
};

void evaluate_files(Autoencoder& ae, const AeEvalOptions& o, QualityTotals& totals) {
  const AutoencoderConfig& c = ae->config();
  if (o.clips < 1) throw InvalidArgument(fmt::format("--clips {}: must be >= 1", o.clips));
  for (const auto& path : o.videos) {
    ReaderOptions ro;
    ro.width = o.width;
    ro.height = o.height;
    VideoReader reader(path, ro);
    const int64_t n = reader.num_frames();
    const int64_t frames = o.frames > 0 ? o.frames : c.frames_up_to(std::min(n, kFileClipFrames));
    if (frames < 1 || frames > n)
      throw InvalidArgument(fmt::format("{}: clips of {} frames do not fit its {} frames", path, frames, n));
    c.latent_shape({frames, reader.height(), reader.width()}, path);
    // Evenly spread clips, no two the same.
    const ClipSampler sampler({.kind = SamplerKind::Uniform, .clips = std::min(o.clips, n - frames + 1), .length = frames});
    for (const auto& clip : sampler.sample(n)) totals.add(transform::to_cthw(transform::to_float(to_tensor(reader.read_frames(clip)))).unsqueeze(0));
  }
}

std::vector<std::string> evaluate_dataset(Autoencoder& ae, const RunInfo& run, const AeEvalOptions& o,
                                          QualityTotals& totals) {
  TrainConfig c = run.config;
  if (o.frames > 0) c.autoencoder.frames = o.frames;
  if (o.width > 0) c.autoencoder.width = o.width;
  if (o.height > 0) c.autoencoder.height = o.height;
  const std::string data = o.data.empty() ? c.data : o.data;
  ae->config().latent_shape({c.autoencoder.frames, c.autoencoder.height, c.autoencoder.width}, data);
  Dataset dataset = load_dataset(data, o.split);
  if (dataset.samples.empty()) throw ConfigError(fmt::format("{}: the {} split has no videos", data, o.split));
  DataLoader loader(std::move(dataset), run_loader_options(c, false, o.workers));
  loader.start_epoch(0);
  while (auto batch = loader.next()) totals.add(batch->video);
  return loader.skipped();
}

}  // namespace

EvalResult evaluate_run(const std::string& run_dir, const EvalOptions& options) {
  const RunInfo run = load_run_info(run_dir);
  if (run.config.task == Task::Pretrain)
    throw ConfigError(fmt::format("{}: a pretrain run has no classifier to evaluate; fine-tune it with vidrep train "
                                  "--init {} (its val_snr is in metrics.jsonl)", run_dir, run_dir));
  if (run.config.task == Task::Contrastive)
    throw ConfigError(fmt::format("{}: a contrastive run is a descriptor, not a classifier: evaluate it on a copy-detection "
                                  "set with vidrep embed/index --method run:{} and vidrep eval retrieval, or fine-tune it "
                                  "with vidrep train --init {}", run_dir, run_dir, run_dir));
  set_num_threads(options.threads);
  const std::string data = options.data.empty() ? run.config.data : options.data;
  Dataset dataset = load_dataset(data, options.split);
  if (!dataset.labelled) throw ConfigError(fmt::format("{}: video files without labels; eval needs a labelled dataset", data));
  if (dataset.classes != run.classes)
    throw ConfigError(fmt::format("{}: classes [{}] differ from the run's [{}]", data,
                                  fmt::join(dataset.classes, ","), fmt::join(run.classes, ",")));
  if (dataset.samples.empty()) throw ConfigError(fmt::format("{}: the {} split has no videos", data, options.split));
  RunNetwork net = load_run_network(run, options.checkpoint);
  DataLoader loader(std::move(dataset), run_loader_options(run.config, false, options.workers));
  const InferenceResult r = run_inference(net, loader, 0);
  EvalResult result;
  result.report = classification_report(r.scores, r.labels, run.classes);
  result.loss = r.loss;
  result.skipped = loader.skipped();
  return result;
}


AeEvalResult evaluate_autoencoder(const std::string& run_dir, const AeEvalOptions& options) {
  const RunInfo run = load_run_info(run_dir);
  set_num_threads(options.threads);
  Autoencoder ae = load_run_autoencoder(run, options.checkpoint);
  torch::NoGradGuard no_grad;
  QualityTotals totals(ae);
  std::vector<std::string> skipped;
  if (options.videos.empty()) {
    skipped = evaluate_dataset(ae, run, options, totals);
  } else {
    evaluate_files(ae, options, totals);
  }
  AeEvalResult r = totals.result();
  r.skipped = std::move(skipped);
  if (r.clips == 0) throw ConfigError(fmt::format("{}: no clip could be read to evaluate", run_dir));
  return r;
}

}  // namespace vidrep
