// The audio encoder: log-mel [B,F,M] -> BatchNorm1d over the M mel bins (log-mel levels vary by
// orders of magnitude between bins and recordings) -> average pool of time by 4 (the last window
// may be shorter) -> GRU/LSTM (config.rnn) -> tokens [B,ceil(F/4),hidden], vector = final hidden.
#pragma once

#include "vidrep/models/config.h"
#include "vidrep/models/encoder.h"
#include "vidrep/models/recurrent.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>

#include <optional>

namespace vidrep::models {

class AudioEncoder : public torch::nn::Module {
 public:
  static constexpr int64_t kTimePool = 4;

  explicit AudioEncoder(const ModelConfig& config);
  Encoded encode(const at::Tensor& mel);  // float32 [B,F,M]

 private:
  torch::nn::BatchNorm1d norm_{nullptr};
  std::optional<Recurrent> rnn_;
};

}  // namespace vidrep::models
