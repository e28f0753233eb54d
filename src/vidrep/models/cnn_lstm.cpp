#include "vidrep/models/cnn_lstm.h"

#include <torch/torch.h>

namespace vidrep::models {

CnnLstm::CnnLstm(const ModelConfig& config) : frame_diff_(config.frame_diff) {
  cnn_ = register_module("cnn", FrameCnn(config, frame_diff_ ? 2 * config.in_channels + 2 : config.in_channels));
  rnn_.emplace(*this, "rnn", config.rnn, config.hidden, config.hidden);
}

Encoded CnnLstm::encode(const at::Tensor& video) {
  return rnn_->run(per_frame(cnn_, frame_diff_ ? with_frame_diff(video) : video));
}

at::Tensor with_frame_diff(const at::Tensor& video) {
  const int64_t t = video.size(2);
  const at::Tensor diff =
      at::cat({at::zeros_like(video.slice(2, 0, 1)), video.slice(2, 1, t) - video.slice(2, 0, t - 1)}, 2);
  // Central spatial differences (zero at the borders) and the normal-flow numerator -It * grad I,
  // summed over channels: its sign says which way an edge moved whatever its contrast polarity.
  auto central = [](const at::Tensor& x, int64_t dim) {
    const int64_t n = x.size(dim);
    at::Tensor g = at::zeros_like(x);
    if (n > 2) g.narrow(dim, 1, n - 2).copy_((x.narrow(dim, 2, n - 2) - x.narrow(dim, 0, n - 2)).mul_(0.5));
    return g;
  };
  const at::Tensor flow_x = -(diff * central(video, 4)).sum(1, true);
  const at::Tensor flow_y = -(diff * central(video, 3)).sum(1, true);
  return at::cat({video, diff, flow_x, flow_y}, 1);
}
}  // namespace vidrep::models
