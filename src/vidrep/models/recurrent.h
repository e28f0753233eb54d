// A GRU or an LSTM (config.rnn) registered on its owner under one name, so the parameter names are
// torch's own ("rnn.weight_ih_l0", ...) whichever kind it is, as in python/vidrep/models.py.
#pragma once

#include "vidrep/models/encoder.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/rnn.h>

#include <string>

namespace vidrep::models {

class Recurrent {
 public:
  // Registers a one-layer, batch-first `kind` ("gru" | "lstm") on `owner` as `name`.
  Recurrent(torch::nn::Module& owner, const std::string& name, const std::string& kind, int64_t input,
            int64_t hidden);

  // [B,T,input] -> {outputs [B,T,hidden], final hidden state [B,hidden]}
  Encoded run(const at::Tensor& sequence);

 private:
  torch::nn::GRU gru_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
};

}  // namespace vidrep::models
