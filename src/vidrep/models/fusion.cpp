#include "vidrep/models/fusion.h"

#include <torch/torch.h>

namespace vidrep::models {

namespace nn = torch::nn;

Fusion::Fusion(const ModelConfig& c) : kind_(c.fusion) {
  const int64_t h = c.hidden;
  if (kind_ == "concat") {
    proj_ = register_module("proj", nn::Linear(2 * h, h));
  } else if (kind_ == "mean") {
    video_proj_ = register_module("video_proj", nn::Linear(h, h));
    audio_proj_ = register_module("audio_proj", nn::Linear(h, h));
  } else if (kind_ == "gated") {
    gate_ = register_module("gate", nn::Linear(2 * h, h));
  } else {
    norm_video_ = register_module("norm_video", nn::LayerNorm(nn::LayerNormOptions({h})));
    norm_audio_ = register_module("norm_audio", nn::LayerNorm(nn::LayerNormOptions({h})));
    video_to_audio_ = register_module("video_to_audio", Attention(h, c.heads));
    audio_to_video_ = register_module("audio_to_video", Attention(h, c.heads));
    proj_ = register_module("proj", nn::Linear(2 * h, h));
  }
}

at::Tensor Fusion::fuse(const Encoded& video, const Encoded& audio) {
  if (kind_ == "concat") return at::relu(proj_->forward(at::cat({video.vector, audio.vector}, 1)));
  if (kind_ == "mean") return (video_proj_->forward(video.vector) + audio_proj_->forward(audio.vector)) * 0.5;
  if (kind_ == "gated") {
    at::Tensor g = at::sigmoid(gate_->forward(at::cat({video.vector, audio.vector}, 1)));
    return g * video.vector + (1 - g) * audio.vector;
  }
  at::Tensor v = norm_video_->forward(video.tokens), a = norm_audio_->forward(audio.tokens);
  at::Tensor v2 = (video.tokens + video_to_audio_->forward(v, a)).mean(1);
  at::Tensor a2 = (audio.tokens + audio_to_video_->forward(a, v)).mean(1);
  return at::relu(proj_->forward(at::cat({v2, a2}, 1)));
}

}  // namespace vidrep::models
