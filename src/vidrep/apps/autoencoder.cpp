#include "vidrep/apps/autoencoder.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/train/run.h"
#include "vidrep/transform/convert.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

namespace vidrep {

at::Tensor encode_file(const std::string& run_dir, const std::string& path, const AeEncodeOptions& options) {
  Autoencoder ae = load_run_autoencoder(run_dir, options.checkpoint);
  const AutoencoderConfig& c = ae->config();
  VideoReader reader(path, options.reader);
  const int64_t n = reader.num_frames();
  if (options.start < 0 || options.start >= n)
    throw InvalidArgument(fmt::format("{}: --start {} is outside its {} frames", path, options.start, n));
  const int64_t available = n - options.start;
  const int64_t frames = options.frames > 0 ? options.frames : c.frames_up_to(std::min(available, kFileClipFrames));
  if (frames > available)
    throw InvalidArgument(fmt::format("{}: frames {}..{} run past its {} frames", path, options.start,
                                      options.start + frames - 1, n));
  c.latent_shape({frames, reader.height(), reader.width()}, path);
  torch::NoGradGuard no_grad;
  return ae->encode(transform::to_cthw(transform::to_float(to_tensor(reader.read_range(options.start, options.start + frames)))).unsqueeze(0))[0].contiguous();
}

struct LatentEncoder::Model {
  Autoencoder ae;
};

LatentEncoder::LatentEncoder(const std::string& run_dir, const std::string& checkpoint)
    : model_(std::make_shared<const Model>(Model{load_run_autoencoder(run_dir, checkpoint)})) {}

at::Tensor LatentEncoder::encode(const std::string& path) const {
  Autoencoder ae = model_->ae;  // (a handle: shares the network)
  const AutoencoderConfig& c = ae->config();
  VideoReader reader(path, {.width = static_cast<int>(c.width), .height = static_cast<int>(c.height), .threads = 1});
  const int64_t n = reader.num_frames();
  const int64_t chunk = n >= c.frames ? c.frames : c.frames_up_to(n), chunks = n >= c.frames ? n / c.frames : 1;
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> latents;
  for (int64_t k = 0; k < chunks; ++k) {
    const at::Tensor clip = to_tensor(reader.read_range(k * chunk, (k + 1) * chunk));
    latents.push_back(ae->encode(transform::to_cthw(transform::to_float(clip)).unsqueeze(0))[0]);
  }
  return at::stack(latents).contiguous();
}

curate::LatentEncoderFn curation_latents(const std::string& run_dir) {
  set_num_threads(1);
  auto encoder = std::make_shared<const LatentEncoder>(run_dir);
  return [encoder](const std::string& clip) { return to_array(encoder->encode(clip), "latent"); };
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
