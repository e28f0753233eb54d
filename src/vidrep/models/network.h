// VideoNet: the classifier/embedding network described by a ModelConfig.
//
//   vidrep::VideoNet net = vidrep::make_network(config);
//   vidrep::NetOutput out = net->forward(video, audio);  // video [B,3,T,H,W], audio [B,F,M]
//   (T, H, W at most the config's frames, height, width: smaller clips, e.g. bucketed batches, run too)
//   out.logits;      // [B,num_classes]
//   out.embedding;   // [B,embed_dim], L2-normalized
//
// Video encoders (config.arch), each giving a [B,hidden] vector and [B,N,hidden] tokens:
//   frame2d   2D CNN per frame, mean over time (order-blind baseline)      models/frame2d.h
//   cnn_lstm  2D CNN per frame (+ frame difference), then GRU/LSTM        models/cnn_lstm.h
//   c3d       3D CNN with a multi-scale block (3x3x3 and 5x5x5 branches)   models/c3d.h
//   vit       tubelet embedding, divided space/time attention, mean/STPP  models/vit.h
// Audio encoder: log-mel [B,F,M] -> GRU/LSTM (models/audio_encoder.h). modality av fuses both
// (config.fusion, models/fusion.h). The fused or single feature [B,hidden] goes to
// logits = classifier(dropout(feature)) and embedding = normalize(embed(feature)).
// Inputs the modality does not use may be undefined tensors. Parameter names and layouts are
// mirrored by python/vidrep/models.py (see `vidrep export`). Not thread-safe (torch modules).
#pragma once

#include "vidrep/models/config.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>

namespace vidrep {

namespace models {
class VideoEncoder;
class AudioEncoder;
class Fusion;
}  // namespace models

struct NetOutput {
  at::Tensor logits;     // [B,num_classes]
  at::Tensor embedding;  // [B,embed_dim], unit L2 norm
};

class VideoNetImpl : public torch::nn::Module {
 public:
  explicit VideoNetImpl(const ModelConfig& config);
  // Throws InvalidArgument naming the input for a shape or dtype other than the config's
  // ("video: expected [B,3,16,32,32] float32, got [8,3,8,32,32] float32") or mismatched batches.
  NetOutput forward(const at::Tensor& video, const at::Tensor& audio);
  const ModelConfig& config() const { return config_; }

 private:
  // Submodule names ("video", "audio", "fusion", "classifier", "embed") are the state-dict
  // prefixes python/vidrep/models.py mirrors.
  ModelConfig config_;
  std::shared_ptr<models::VideoEncoder> video_;  // null for modality audio
  std::shared_ptr<models::AudioEncoder> audio_;  // null for modality video
  std::shared_ptr<models::Fusion> fusion_;       // modality av only
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear classifier_{nullptr}, embed_{nullptr};
};
TORCH_MODULE(VideoNet);

// Validates the config (ConfigError) and builds the network with torch's default initialisation
// under the current torch seed (callers seed with torch::manual_seed first).
VideoNet make_network(const ModelConfig& config);

}  // namespace vidrep
