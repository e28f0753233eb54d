#include "vidrep/apps/clip_embedding.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/run.h"
#include "vidrep/transform/pipeline.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace vidrep {

namespace {

void check_clips(const Array& clips, int64_t frames, int height, int width) {
  const std::vector<int64_t> want = {clips.defined() ? clips.size(0) : 0, frames, height, width, 3};
  if (!clips.defined() || clips.dtype() != DType::UInt8 || clips.shape() != want) {
    throw InvalidArgument(fmt::format("clips: expected [K,{},{},{},3] uint8, got {}", frames, height, width,
                                      describe(clips)));
  }
}

// uint8 [K,T,H,W,3] (or float in [0,1]) -> float32 [K,3,T,H,W] in [0,1].
at::Tensor network_input(const at::Tensor& clips) {
  at::Tensor x = clips.permute({0, 4, 1, 2, 3});
  return clips.scalar_type() == at::kByte ? x.to(at::kFloat).div_(255.0).contiguous() : x.to(at::kFloat).contiguous();
}

Array to_rows(const at::Tensor& rows) { return to_array(rows.to(at::kFloat).contiguous()); }

class RunEmbedding : public ClipEmbedding {
 public:
  explicit RunEmbedding(const std::string& dir) : run_(load_run_info(dir)) {
    if (run_.config.model.modality != "video") {
      throw ConfigError(fmt::format("{}: a {} run; retrieval embeds video windows, so it needs a video-only run", dir,
                                    run_.config.model.modality));
    }
    net_ = load_run_network(run_, "best");
    loader_ = run_loader_options(run_.config, false, 0);
    if (!loader_.transform.empty()) pipeline_ = transform::Pipeline::parse(loader_.transform, "transform");
  }
  int64_t dim() const override { return run_.config.model.embed_dim; }
  int64_t frames() const override { return loader_.clip_len; }
  int width() const override { return loader_.width; }
  int height() const override { return loader_.height; }

  Array embed(const Array& clips) const override {
    check_clips(clips, frames(), height(), width());
    torch::NoGradGuard no_grad;
    at::Tensor x = to_tensor(clips);
    if (!pipeline_.empty()) x = pipeline_.apply_batch(x, 0);
    return to_rows(net_.forward(network_input(x), at::Tensor()).embedding);
  }

 private:
  RunInfo run_;
  mutable RunNetwork net_;
  LoaderOptions loader_;
  transform::Pipeline pipeline_;
};

class LatentEmbedding : public ClipEmbedding {
 public:
  explicit LatentEmbedding(const std::string& dir) : ae_(load_run_autoencoder(dir, "best")) {
    const AutoencoderConfig& c = ae_->config();
    frames_ = c.frames_up_to(c.frames);
  }
  int64_t dim() const override { return 2 * ae_->config().latent_channels; }
  int64_t frames() const override { return frames_; }
  int width() const override { return static_cast<int>(ae_->config().width); }
  int height() const override { return static_cast<int>(ae_->config().height); }

  Array embed(const Array& clips) const override {
    check_clips(clips, frames(), height(), width());
    torch::NoGradGuard no_grad;
    const at::Tensor z = ae_->encode(network_input(to_tensor(clips))).flatten(2);  // [K,C,t*h*w]
    const at::Tensor d = at::cat({z.mean(2), z.std(2, /*unbiased=*/false)}, 1);
    return to_rows(d / d.norm(2, 1, true).clamp_min(1e-12));
  }

 private:
  mutable Autoencoder ae_;
  int64_t frames_ = 0;
};

}  // namespace

std::unique_ptr<ClipEmbedding> load_clip_embedding(const std::string& run_dir, bool autoencoder, int threads) {
  set_num_threads(threads);
  if (autoencoder) return std::make_unique<LatentEmbedding>(run_dir);
  return std::make_unique<RunEmbedding>(run_dir);
}

}  // namespace vidrep
