#include "vidrep/models/network.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/models/audio_encoder.h"
#include "vidrep/models/c3d.h"
#include "vidrep/models/cnn_lstm.h"
#include "vidrep/models/frame2d.h"
#include "vidrep/models/fusion.h"
#include "vidrep/models/vit.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <vector>

namespace vidrep {

std::shared_ptr<models::VideoEncoder> models::make_video_encoder(const ModelConfig& c) {
  if (c.arch == "frame2d") return std::make_shared<models::Frame2d>(c);
  if (c.arch == "cnn_lstm") return std::make_shared<models::CnnLstm>(c);
  if (c.arch == "c3d") return std::make_shared<models::C3d>(c);
  return std::make_shared<models::Vit>(c);
}

namespace {

// `x` must be float32 [B, dims...] with B >= 1; dimensions from `up_to` on may also be smaller
// (1..dims[i]): clips smaller than the network was built for, e.g. bucketed batches.
void check_input(const at::Tensor& x, const char* name, const char* layout, const std::vector<int64_t>& dims,
                 size_t up_to = SIZE_MAX) {
  bool ok = x.defined() && x.scalar_type() == at::kFloat && x.dim() == static_cast<int64_t>(dims.size()) + 1 &&
            x.size(0) >= 1;
  for (size_t i = 0; ok && i < dims.size(); ++i) {
    const int64_t n = x.size(static_cast<int64_t>(i) + 1);
    ok = i >= up_to ? n >= 1 && n <= dims[i] : n == dims[i];
  }
  if (!ok) {
    throw InvalidArgument(fmt::format("{}: expected [B,{}] float32 ({}{}), got {}", name, fmt::join(dims, ","), layout,
                                      up_to < dims.size() ? "; T,H,W at most these" : "", describe(x)));
  }
}

}  // namespace

VideoNetImpl::VideoNetImpl(const ModelConfig& config) : config_(config) {
  validate(config_);
  const ModelConfig& c = config_;
  if (c.modality != "audio") video_ = register_module("video", models::make_video_encoder(c));
  if (c.modality != "video") audio_ = register_module("audio", std::make_shared<models::AudioEncoder>(c));
  if (c.modality == "av") fusion_ = register_module("fusion", std::make_shared<models::Fusion>(c));
  dropout_ = register_module("dropout", torch::nn::Dropout(c.dropout));
  classifier_ = register_module("classifier", torch::nn::Linear(c.hidden, c.num_classes));
  embed_ = register_module("embed", torch::nn::Linear(c.hidden, c.embed_dim));
}

NetOutput VideoNetImpl::forward(const at::Tensor& video, const at::Tensor& audio) {
  const ModelConfig& c = config_;
  if (video_) check_input(video, "video", "B,C,T,H,W", {c.in_channels, c.frames, c.height, c.width}, 1);
  if (audio_) check_input(audio, "audio", "B,mel_frames,mel_bins", {c.mel_frames, c.mel_bins});
  if (video_ && audio_ && video.size(0) != audio.size(0))
    throw InvalidArgument(fmt::format("audio: batch {} does not match the video's batch {} (video {}, audio {})",
                                      audio.size(0), video.size(0), describe(video), describe(audio)));
  at::Tensor feature;
  if (!audio_) {
    feature = video_->encode(video).vector;
  } else if (!video_) {
    feature = audio_->encode(audio).vector;
  } else {
    feature = fusion_->fuse(video_->encode(video), audio_->encode(audio));
  }
  NetOutput out;
  out.logits = classifier_->forward(dropout_->forward(feature));
  out.embedding = torch::nn::functional::normalize(
      embed_->forward(feature), torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
  return out;
}

VideoNet make_network(const ModelConfig& config) {
  validate(config);
  return VideoNet(config);
}

}  // namespace vidrep
