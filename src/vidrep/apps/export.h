// export_network(): a trained network for Python users, as two files in out_dir (created if
// missing), each written through a temporary name and renamed:
//
//   weights.pt   torch::pickle_save of a dict {parameter or buffer name: tensor} (the state dict);
//                Python reads it with torch.load(path)
//   model.json   the ModelConfig (autoencoder.json, the AutoencoderConfig, for an autoencoder)
//
// python/vidrep_models.py defines every architecture with the same parameter names, so
//
//   import vidrep_models
//   net = vidrep_models.load_export("out_dir")      # eval mode, load_state_dict(strict=True)
//   logits, embedding = net(video, audio)           # as VideoNet::forward, to float rounding
//
// Why no TorchScript file: tried with LibTorch 1.13's C++ tracer (torch::jit::tracer::trace with a
// jit::Module holding the network's own parameter tensors, the graph added as its `forward`): it
// saves, and Python's torch.jit.load runs it, but the C++ tracer cannot see integer arithmetic, so
// every size the C++ code computes (x.size(0) in a reshape, the GRU's zero initial state) is
// frozen into the graph as a constant, and the module only accepts the batch size it was traced
// with ("shape '[32, 3, 32, 32]' is invalid" for another batch). Writing every module around that
// would be fragile. python/vidrep_models.py gives Python users the same network at any batch size,
// trainable, and torch.jit.trace in Python turns it into TorchScript that is not batch-bound.
#pragma once

#include "vidrep/models/autoencoder.h"
#include "vidrep/models/network.h"

#include <string>

namespace vidrep {

// Throws WriteError naming the file when out_dir cannot be created or a file cannot be written.
void export_network(VideoNet& net, const std::string& out_dir);
// The same for an autoencoder: vidrep_models.load_export("out_dir") is a CausalAutoencoder
// (encode, decode) matching Autoencoder::encode / decode to float rounding.
void export_autoencoder(Autoencoder& ae, const std::string& out_dir);

}  // namespace vidrep
