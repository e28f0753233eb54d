// MaskedVideo: self-supervised pretraining of a video encoder by masked tube modelling (VideoMAE's
// tube masking, SimMIM's masked-input encoder, pixel or motion targets), for `vidrep pretrain`.
//
//   vidrep::models::MaskedVideo m(config, 0.9, "motion");
//   at::Tensor mask = m->random_mask(batch);                 // float [B,1,1,H,W], 1 = hidden
//   at::Tensor loss = m->clip_errors(video, mask).mean();    // video [B,C,T,H,W], normalised clips
//
// Masking: the frame is cut into patch_h x patch_w cells (the model's tubelet size) and `ratio` of
// them, chosen at random per clip, are hidden in every frame: tubes through time, so a hidden cell
// cannot be copied from the same place in a neighbouring frame (VideoMAE, Tong et al. 2022: with
// per-frame masks the task is too easy for video's redundancy). What is in a tube at each moment,
// e.g. where a moving object is while it crosses it, must be inferred from the visible cells.
//
// Network: the hidden tubes are set to 0 in the encoder's input (the clip's mean after
// normalisation) and the encoder runs on the whole clip, as it will when fine-tuned; a Linear
// "decoder" maps each of its tokens to the pixels of the block of the clip that token covers
// (vit: its tubelet; c3d: a T/8 x H/16 x W/16 cell). The encoder is the one VideoNet builds for the
// same config, registered under the same name "video", so its weights carry over to `vidrep train
// --init` (train/trainer.cpp). VideoMAE's encoder sees only the visible tokens, which is a speed-up
// at ViT-B's 1568 tokens; at vidrep's clip sizes (256 tokens) the whole clip is cheap, and the same
// code serves the CNNs, which cannot drop positions.
//
// Targets, and the mean squared error over the hidden tubes only:
//   pixels  each patch_t x patch_h x patch_w patch of the clip normalised to zero mean and unit
//           variance over its pixels (VideoMAE's "normalised pixels", which weight detail over
//           flat colour);
//   motion  the clip's frame differences x[t] - x[t-1] (0 for frame 0), divided by their root mean
//           square over the clip: what moved where, not what the background looks like (as MME,
//           Sun et al. 2023, reconstructs motion rather than appearance for motion-sensitive tasks).
// Either way predicting zeros scores about 1, so snr() = 10 log10(1 / mse) dB is how far the
// reconstruction is above that.
#pragma once

#include "vidrep/models/config.h"
#include "vidrep/models/encoder.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <memory>
#include <string>

namespace vidrep::models {

// The token grid (t, h, w) the encoder of `config` produces for its clip size, in its token order.
// ConfigError for an arch without a spatial token grid (frame2d, cnn_lstm) or a clip size the grid
// does not divide (c3d: frames a multiple of 8, height and width of 16; every arch: of the patch).
std::array<int64_t, 3> token_grid(const ModelConfig& config);

class MaskedVideoImpl : public torch::nn::Module {
 public:
  // ConfigError as token_grid(), for a ratio outside (0, 1) or a target not pixels or motion.
  MaskedVideoImpl(const ModelConfig& config, double ratio, const std::string& target);

  // float [B,1,1,H,W], round(ratio * cells) cells of each clip set to 1, drawn from `generator`
  // (torch's default when undefined).
  at::Tensor random_mask(int64_t batch, at::Generator generator = {}) const;
  // float [B,C,T,H,W]: the reconstruction of `video` with the mask's tubes hidden.
  at::Tensor forward(const at::Tensor& video, const at::Tensor& mask);
  // The target of `video` (see above), float [B,C,T,H,W].
  at::Tensor target(const at::Tensor& video) const;
  // float [B]: each clip's mean squared error over its hidden tubes.
  at::Tensor clip_errors(const at::Tensor& video, const at::Tensor& mask);

  const ModelConfig& config() const { return config_; }

 private:
  ModelConfig config_;
  double ratio_;
  bool motion_;
  std::array<int64_t, 3> grid_;
  std::shared_ptr<VideoEncoder> video_;
  torch::nn::Linear decoder_{nullptr};
};
TORCH_MODULE(MaskedVideo);

// 10 log10(1 / error): dB above predicting the patches' mean.
at::Tensor snr(const at::Tensor& error);

}  // namespace vidrep::models
