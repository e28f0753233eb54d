#include "vidrep/models/c3d.h"

#include <torch/torch.h>

#include <algorithm>

namespace vidrep::models {

namespace nn = torch::nn;

namespace {

// conv3d (no bias: BN follows) - BatchNorm3d - ReLU, as Sequential children 0, 1, 2.
void add_conv(nn::Sequential& seq, int64_t in, int64_t out, int64_t kernel, torch::ExpandingArray<3> stride) {
  seq->push_back(nn::Conv3d(nn::Conv3dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false)));
  seq->push_back(nn::BatchNorm3d(out));
  seq->push_back(nn::ReLU());
}

nn::Sequential conv_block(int64_t in, int64_t out, int64_t kernel, torch::ExpandingArray<3> stride) {
  nn::Sequential seq;
  add_conv(seq, in, out, kernel, stride);
  return seq;
}

}  // namespace

C3d::C3d(const ModelConfig& c) : frame_diff_(c.frame_diff) {
  const int64_t ch = c.channels, reduced = std::max<int64_t>(1, c.channels / 2);
  stem_ = register_module("stem", conv_block(frame_diff_ ? 2 * c.in_channels + 2 : c.in_channels, ch, 3, {1, 2, 2}));
  down1_ = register_module("down1", conv_block(ch, 2 * ch, 3, {2, 2, 2}));
  branch3_ = register_module("branch3", conv_block(2 * ch, ch, 3, {1, 1, 1}));
  nn::Sequential b5 = conv_block(2 * ch, reduced, 1, {1, 1, 1});
  add_conv(b5, reduced, ch, 5, {1, 1, 1});
  branch5_ = register_module("branch5", b5);
  down2_ = register_module("down2", conv_block(2 * ch, 4 * ch, 3, {2, 2, 2}));
  down3_ = register_module("down3", conv_block(4 * ch, 4 * ch, 3, {2, 2, 2}));
  proj_ = register_module("proj", nn::Linear(4 * ch, c.hidden));
}

Encoded C3d::encode(const at::Tensor& video) {
  at::Tensor x = down1_->forward(stem_->forward(frame_diff_ ? with_frame_diff(video) : video));
  x = x + at::cat({branch3_->forward(x), branch5_->forward(x)}, 1);
  x = down3_->forward(down2_->forward(x));
  at::Tensor tokens = proj_->forward(x.flatten(2).transpose(1, 2));  // [B,cells,hidden]
  return {tokens.mean(1), tokens};
}

}  // namespace vidrep::models
