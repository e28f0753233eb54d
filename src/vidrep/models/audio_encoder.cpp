#include "vidrep/models/audio_encoder.h"

#include <torch/torch.h>

namespace vidrep::models {

AudioEncoder::AudioEncoder(const ModelConfig& c) {
  norm_ = register_module("norm", torch::nn::BatchNorm1d(c.mel_bins));
  rnn_.emplace(*this, "rnn", c.rnn, c.mel_bins, c.hidden);
}

Encoded AudioEncoder::encode(const at::Tensor& mel) {
  at::Tensor x = norm_->forward(mel.transpose(1, 2));  // [B,M,F]
  x = at::avg_pool1d(x, {kTimePool}, {kTimePool}, {0}, /*ceil_mode=*/true);
  return rnn_->run(x.transpose(1, 2).contiguous());
}

}  // namespace vidrep::models
