// The future-frame predictor of learned anomaly detection (Liu et al., CVPR'18, without the
// adversarial and optical-flow terms): a small U-Net that sees the last `context` frames and draws
// the next one. Trained on normal footage only, it draws normal motion well; what it draws badly
// (a prediction error) is what the footage did not teach it.
//
//   FramePredictor net(4, 16);
//   at::Tensor next = net->forward(frames);   // [N, 3*context, H, W] in [-1, 1] -> [N, 3, H, W]
//
// Two 2x2 poolings: H and W must be multiples of 4. The output is the last input frame plus a
// learnt change (tanh-bounded), so an untrained net already predicts "nothing moves".
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace vidrep::models {

class FramePredictorImpl : public torch::nn::Module {
 public:
  FramePredictorImpl(int64_t context, int64_t channels);
  at::Tensor forward(const at::Tensor& frames);
  int64_t context() const { return context_; }

 private:
  int64_t context_;
  torch::nn::Sequential down1_{nullptr}, down2_{nullptr}, bottom_{nullptr}, merge2_{nullptr}, merge1_{nullptr};
  torch::nn::ConvTranspose2d up2_{nullptr}, up1_{nullptr};
  torch::nn::Conv2d out_{nullptr};
};
TORCH_MODULE(FramePredictor);

}  // namespace vidrep::models
