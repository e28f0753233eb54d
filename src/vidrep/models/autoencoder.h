// The video compression network: a causal 3D-convolutional autoencoder (optionally a VAE) that
// compresses time x height x width by compress_t x compress_h x compress_w into latent_channels
// channels, the first stage of Sora-style video models (models/autoencoder_config.h).
//
//   vidrep::Autoencoder ae = vidrep::make_autoencoder(config);   // 4x8x8, 16 channels
//   at::Tensor z = ae->encode(video);     // [B,3,17,32,32] in [0,1] -> [B,16,5,4,4]
//   at::Tensor back = ae->decode(z);      // [B,3,17,32,32], not clamped
//
// Causal in time: every convolution pads only the past (with copies of the first frame) and
// every temporal step pairs frames (1,2), (3,4), ... after frame 0, which stays alone; so latent
// frame j depends on input frames 0 .. j * compress_t only, T = 1 + k * compress_t frames give
// 1 + k latent frames, and an image is a 1-frame video. Normalisation is per position (LayerNorm
// over the channels of each pixel of each frame), which keeps that property at any frame size.
//
// Layout (each axis is halved in the last log2(compression) stages):
//   encoder: fold patch x patch pixels into channels -> conv -> per stage: residual blocks, then a
//            strided conv -> residual block -> LayerNorm, SiLU, conv to the latent (2x the
//            channels for a VAE: mean and log-variance)
//   decoder: the mirror image, with nearest-neighbour upsampling before each stage's conv.
// Every resampling step also has a parameter-free shortcut, as in DC-AE (Chen et al. 2024):
// downsampling adds the input folded into channels and averaged in groups, upsampling adds the
// input's channels duplicated and unfolded into pixels (and so do the first and last convs of
// each side). Every main-path conv and the last conv of every residual branch start at zero, so
// an untrained network is exactly average pooling into the latent and nearest-neighbour
// upsampling back; training learns the residual on top.
// Not thread-safe (a torch module).
#pragma once

#include "vidrep/models/autoencoder_config.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>

namespace vidrep {

namespace models {
class CausalEncoderImpl;
class CausalDecoderImpl;
}  // namespace models

struct AutoencoderOutput {
  at::Tensor reconstruction;  // [B,3,T,H,W], not clamped
  at::Tensor mean;            // [B,C,t,h,w]: the latent (the posterior mean for a VAE)
  at::Tensor logvar;          // [B,C,t,h,w] for a VAE, else undefined
};

class AutoencoderImpl : public torch::nn::Module {
 public:
  explicit AutoencoderImpl(const AutoencoderConfig& config);

  // Training pass: encode, sample the posterior (VAE, in training mode only; torch's global
  // generator), decode.
  AutoencoderOutput forward(const at::Tensor& video);
  // video float32 [B,3,T,H,W] in [0,1] -> latent float32 [B,C,t,h,w]. Throws InvalidArgument for
  // another rank/dtype/channel count or a T, H, W the compression does not take
  // (AutoencoderConfig::latent_shape's message).
  at::Tensor encode(const at::Tensor& video);
  // latent [B,C,t,h,w] -> video [B,3,T,H,W]; InvalidArgument for another channel count or rank
  // ("latent: expected [B,16,t,h,w] float32, got ...").
  at::Tensor decode(const at::Tensor& latent);

  const AutoencoderConfig& config() const { return config_; }

 private:
  AutoencoderConfig config_;
  std::shared_ptr<models::CausalEncoderImpl> encoder_;  // "encoder"
  std::shared_ptr<models::CausalDecoderImpl> decoder_;  // "decoder"
};
TORCH_MODULE(Autoencoder);

// Validates the config (ConfigError) and builds the network under the current torch seed.
Autoencoder make_autoencoder(const AutoencoderConfig& config);

// Training loss of one batch, all in [0,1] pixels: reconstruction (config.loss: MSE or L1, mean
// over values, or the mean of log10 of each clip's MSE)
// + kl_weight * KL / B for a VAE.
struct AutoencoderLoss {
  at::Tensor total;           // scalar to backpropagate
  at::Tensor reconstruction;  // scalar
  at::Tensor kl;              // scalar (0 for a plain autoencoder)
};
AutoencoderLoss autoencoder_loss(const AutoencoderConfig& config, const AutoencoderOutput& out,
                                 const at::Tensor& video);

}  // namespace vidrep
