#include "vidrep/models/frame2d.h"

#include <torch/torch.h>

namespace vidrep::models {

namespace nn = torch::nn;

FrameCnnImpl::FrameCnnImpl(const ModelConfig& c, int64_t in_channels) : pool_(c.frame_pool) {
  stages_ = register_module("stages", nn::Sequential());
  int64_t in = in_channels;
  for (int64_t out : {c.channels, 2 * c.channels, 4 * c.channels}) {
    // The BN after each conv makes its bias redundant.
    stages_->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(2).padding(1).bias(false)));
    stages_->push_back(nn::BatchNorm2d(out));
    stages_->push_back(nn::ReLU());
    in = out;
  }
  proj_ = register_module("proj", nn::Linear(in * pool_ * pool_, c.hidden));
}

at::Tensor FrameCnnImpl::forward(const at::Tensor& images) {
  at::Tensor maps = stages_->forward(images);
  maps = at::adaptive_avg_pool2d(maps, {pool_, pool_});
  return at::relu(proj_->forward(maps.flatten(1)));
}

at::Tensor per_frame(FrameCnn& cnn, const at::Tensor& video) {
  const int64_t b = video.size(0), t = video.size(2);
  at::Tensor frames = video.transpose(1, 2).reshape({b * t, video.size(1), video.size(3), video.size(4)});
  return cnn->forward(frames).view({b, t, -1});
}

Frame2d::Frame2d(const ModelConfig& config) {
  cnn_ = register_module("cnn", FrameCnn(config, config.in_channels));
}

Encoded Frame2d::encode(const at::Tensor& video) {
  at::Tensor tokens = per_frame(cnn_, video);
  return {tokens.mean(1), tokens};
}

}  // namespace vidrep::models
