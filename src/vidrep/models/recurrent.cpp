#include "vidrep/models/recurrent.h"

#include <torch/torch.h>

namespace vidrep::models {

Recurrent::Recurrent(torch::nn::Module& owner, const std::string& name, const std::string& kind, int64_t input,
                     int64_t hidden) {
  if (kind == "lstm")
    lstm_ = owner.register_module(name, torch::nn::LSTM(torch::nn::LSTMOptions(input, hidden).batch_first(true)));
  else
    gru_ = owner.register_module(name, torch::nn::GRU(torch::nn::GRUOptions(input, hidden).batch_first(true)));
}

Encoded Recurrent::run(const at::Tensor& sequence) {
  if (lstm_) {
    auto [outputs, state] = lstm_->forward(sequence);
    return {std::get<0>(state)[0], outputs};  // h_n [1,B,hidden]
  }
  auto [outputs, h_n] = gru_->forward(sequence);
  return {h_n[0], outputs};
}

}  // namespace vidrep::models
