#include "vidrep/apps/autoencoder.h"

#include "vidrep/data/dataset.h"
#include "vidrep/data/loader.h"
#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/runtime.h"
#include "vidrep/sample/clip_sampler.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/quality.h"
#include "vidrep/train/run_network.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

namespace vidrep {
namespace {

constexpr int64_t kDefaultFrames = 17;

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

// uint8 [T,H,W,3] -> float32 [1,3,T,H,W] in [0,1].
at::Tensor to_clip(const at::Tensor& frames) {
  return frames.permute({3, 0, 1, 2}).unsqueeze(0).to(at::kFloat).div_(255).contiguous();
}

// The latent shape, or the compression's complaint prefixed with the file.
void check_fits(const AutoencoderConfig& c, const std::string& path, std::array<int64_t, 3> clip) {
  try {
    c.latent_shape(clip);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("{}: {}", path, e.what()));
  }
}

// The most frames up to `wanted` from `available` that make 1 + k * ct.
int64_t fitting_frames(int64_t available, int64_t wanted, int64_t ct) {
  const int64_t n = std::min(available, wanted);
  return n < 1 ? 0 : 1 + (n - 1) / ct * ct;
}

void evaluate_files(Autoencoder& ae, const AeEvalOptions& o, QualityTotals& totals) {
  const AutoencoderConfig& c = ae->config();
  if (o.clips < 1) throw InvalidArgument(fmt::format("--clips {}: must be >= 1", o.clips));
  for (const auto& path : o.videos) {
    ReaderOptions ro;
    ro.width = o.width;
    ro.height = o.height;
    VideoReader reader(path, ro);
    const int64_t n = reader.num_frames();
    const int64_t frames = o.frames > 0 ? o.frames : fitting_frames(n, kDefaultFrames, c.compress_t);
    if (frames < 1 || frames > n)
      throw InvalidArgument(fmt::format("{}: clips of {} frames do not fit its {} frames", path, frames, n));
    check_fits(c, path, {frames, reader.height(), reader.width()});
    // Evenly spread clips, no two the same.
    const ClipSampler sampler({.kind = SamplerKind::Uniform, .clips = std::min(o.clips, n - frames + 1), .length = frames});
    for (const auto& clip : sampler.sample(n)) totals.add(to_clip(reader.read_frames(clip)));
  }
}

std::vector<std::string> evaluate_dataset(Autoencoder& ae, const RunInfo& run, const AeEvalOptions& o,
                                          QualityTotals& totals) {
  TrainConfig c = run.config;
  if (o.frames > 0) c.autoencoder.frames = o.frames;
  if (o.width > 0) c.autoencoder.width = o.width;
  if (o.height > 0) c.autoencoder.height = o.height;
  const std::string data = o.data.empty() ? c.data : o.data;
  check_fits(ae->config(), data, {c.autoencoder.frames, c.autoencoder.height, c.autoencoder.width});
  Dataset dataset = load_dataset(data, o.split);
  if (dataset.samples.empty()) throw ConfigError(fmt::format("{}: the {} split has no videos", data, o.split));
  DataLoader loader(std::move(dataset), run_loader_options(c, false, o.workers));
  loader.start_epoch(0);
  while (auto batch = loader.next()) totals.add(batch->video);
  return loader.skipped();
}

}  // namespace

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

at::Tensor encode_file(const std::string& run_dir, const std::string& path, const AeEncodeOptions& options) {
  Autoencoder ae = load_run_autoencoder(run_dir, options.checkpoint);
  const AutoencoderConfig& c = ae->config();
  VideoReader reader(path, options.reader);
  const int64_t n = reader.num_frames();
  if (options.start < 0 || options.start >= n)
    throw InvalidArgument(fmt::format("{}: --start {} is outside its {} frames", path, options.start, n));
  const int64_t available = n - options.start;
  const int64_t frames = options.frames > 0 ? options.frames : fitting_frames(available, kDefaultFrames, c.compress_t);
  if (frames > available)
    throw InvalidArgument(fmt::format("{}: frames {}..{} run past its {} frames", path, options.start,
                                      options.start + frames - 1, n));
  check_fits(c, path, {frames, reader.height(), reader.width()});
  torch::NoGradGuard no_grad;
  return ae->encode(to_clip(reader.read_range(options.start, options.start + frames)))[0].contiguous();
}

at::Tensor decode_latent(const std::string& run_dir, const at::Tensor& latent, const std::string& checkpoint) {
  Autoencoder ae = load_run_autoencoder(run_dir, checkpoint);
  const int64_t channels = ae->config().latent_channels;
  at::Tensor z = latent.defined() && latent.dim() == 5 && latent.size(0) == 1 ? latent[0] : latent;
  if (!z.defined() || z.dim() != 4 || z.size(0) != channels || !z.is_floating_point() || z.numel() == 0)
    throw InvalidArgument(
        fmt::format("latent: expected [{},t,h,w] float32, got {}", channels, latent.defined() ? describe(latent) : "nothing"));
  torch::NoGradGuard no_grad;
  const at::Tensor video = ae->decode(z.to(at::kFloat).unsqueeze(0).contiguous())[0];  // [3,T,H,W]
  return video.clamp(0, 1).mul(255).round().to(at::kByte).permute({1, 2, 3, 0}).contiguous();
}

}  // namespace vidrep
