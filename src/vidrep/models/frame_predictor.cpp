#include "vidrep/models/frame_predictor.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace vidrep::models {

namespace nn = torch::nn;

namespace {

nn::Sequential double_conv(int64_t in, int64_t out) {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)), nn::ReLU());
}

}  // namespace

FramePredictorImpl::FramePredictorImpl(int64_t context, int64_t c) : context_(context) {
  if (context < 1 || c < 1) throw InvalidArgument(fmt::format("frame predictor: context {}, channels {}: expected >= 1", context, c));
  down1_ = register_module("down1", double_conv(3 * context, c));
  down2_ = register_module("down2", double_conv(c, 2 * c));
  bottom_ = register_module("bottom", double_conv(2 * c, 4 * c));
  up2_ = register_module("up2", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4 * c, 2 * c, 2).stride(2)));
  merge2_ = register_module("merge2", double_conv(4 * c, 2 * c));
  up1_ = register_module("up1", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2 * c, c, 2).stride(2)));
  merge1_ = register_module("merge1", double_conv(2 * c, c));
  out_ = register_module("out", nn::Conv2d(nn::Conv2dOptions(c, 3, 1)));
}

at::Tensor FramePredictorImpl::forward(const at::Tensor& frames) {
  if (frames.dim() != 4 || frames.size(1) != 3 * context_ || frames.size(2) % 4 != 0 || frames.size(3) % 4 != 0) {
    throw InvalidArgument(fmt::format("frame predictor: expected [N, {}, H, W] with H and W multiples of 4, got {}",
                                      3 * context_, fmt::join(frames.sizes(), "x")));
  }
  const at::Tensor a = down1_->forward(frames);
  const at::Tensor b = down2_->forward(at::max_pool2d(a, 2));
  const at::Tensor c = bottom_->forward(at::max_pool2d(b, 2));
  const at::Tensor d = merge2_->forward(at::cat({up2_->forward(c), b}, 1));
  const at::Tensor e = merge1_->forward(at::cat({up1_->forward(d), a}, 1));
  return at::tanh(out_->forward(e) + frames.narrow(1, 3 * (context_ - 1), 3));
}

}  // namespace vidrep::models
