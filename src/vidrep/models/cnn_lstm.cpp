#include "vidrep/models/cnn_lstm.h"

#include <torch/torch.h>

namespace vidrep::models {

CnnLstm::CnnLstm(const ModelConfig& config) : frame_diff_(config.frame_diff) {
  cnn_ = register_module("cnn", FrameCnn(config, frame_diff_ ? 2 * config.in_channels : config.in_channels));
  rnn_.emplace(*this, "rnn", config.rnn, config.hidden, config.hidden);
}

Encoded CnnLstm::encode(const at::Tensor& video) {
  if (!frame_diff_) return rnn_->run(per_frame(cnn_, video));
  const int64_t t = video.size(2);
  at::Tensor diff = at::cat({at::zeros_like(video.slice(2, 0, 1)), video.slice(2, 1, t) - video.slice(2, 0, t - 1)}, 2);
  return rnn_->run(per_frame(cnn_, at::cat({video, diff}, 1)));
}

}  // namespace vidrep::models
