// Fusion of the video and audio encodings (modality av) into one [B,hidden] vector:
//   concat     relu(proj([v;a]))                                  proj: Linear(2*hidden, hidden)
//   mean       (video_proj(v) + audio_proj(a)) / 2
//   gated      g = sigmoid(gate([v;a])); g*v + (1-g)*a            gate: Linear(2*hidden, hidden)
//   attention  cross-attention both ways on the tokens, pre-LayerNorm and residual:
//                v' = mean(Vt + video_to_audio(norm_video(Vt), norm_audio(At)))
//                a' = mean(At + audio_to_video(norm_audio(At), norm_video(Vt)))
//                relu(proj([v';a']))
#pragma once

#include "vidrep/models/attention.h"
#include "vidrep/models/config.h"
#include "vidrep/models/encoder.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <string>

namespace vidrep::models {

class Fusion : public torch::nn::Module {
 public:
  explicit Fusion(const ModelConfig& config);
  at::Tensor fuse(const Encoded& video, const Encoded& audio);  // -> [B,hidden]

 private:
  std::string kind_;
  torch::nn::Linear proj_{nullptr}, video_proj_{nullptr}, audio_proj_{nullptr}, gate_{nullptr};
  torch::nn::LayerNorm norm_video_{nullptr}, norm_audio_{nullptr};
  Attention video_to_audio_{nullptr}, audio_to_video_{nullptr};
};

}  // namespace vidrep::models
