#include "vidrep/train/run_network.h"

#include "vidrep/error.h"
#include "vidrep/train/checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

namespace vidrep {

NetOutput RunNetwork::forward(const at::Tensor& video, const at::Tensor& audio) {
  if (!ae || !video.defined()) return net->forward(video, audio);
  at::Tensor latent;
  {
    torch::NoGradGuard no_grad;
    latent = ae->encode(video);
  }
  return net->forward(latent, audio);
}

RunNetwork make_run_network(const TrainConfig& config) {
  if (config.task != Task::Classify)
    throw ConfigError(fmt::format("a classifier needs task classify, got '{}'", task_name(config.task)));
  RunNetwork r;
  if (config.input == "latent") {
    // The network first, so that its initialisation does not depend on the autoencoder's.
    const RunInfo ae_run = load_run_info(config.ae);
    if (ae_run.config.task != Task::Autoencode)
      throw ConfigError(fmt::format("{}: not an autoencoder run (task {})", config.ae, task_name(ae_run.config.task)));
    r.net = make_network(network_config(config, ae_run.config.autoencoder));
    r.ae = load_run_autoencoder(ae_run);
    for (auto& p : r.ae->parameters()) p.set_requires_grad(false);
  } else {
    r.net = make_network(config.model);
  }
  return r;
}

RunNetwork load_run_network(const RunInfo& run, const std::string& which) {
  if (run.config.task != Task::Classify)
    throw ConfigError(fmt::format("{}: not a classifier run (task {})", run.dir, task_name(run.config.task)));
  RunNetwork r = make_run_network(run.config);
  load_checkpoint(run.checkpoint(which), *r.net, nullptr, nullptr);
  r.net->eval();
  return r;
}

Autoencoder load_run_autoencoder(const RunInfo& run, const std::string& which) {
  if (run.config.task != Task::Autoencode)
    throw ConfigError(fmt::format("{}: not an autoencoder run (task {})", run.dir, task_name(run.config.task)));
  Autoencoder ae = make_autoencoder(run.config.autoencoder);
  load_checkpoint(run.checkpoint(which), *ae, nullptr, nullptr);
  ae->eval();
  return ae;
}

Autoencoder load_run_autoencoder(const std::string& run_dir, const std::string& which) {
  return load_run_autoencoder(load_run_info(run_dir), which);
}

}  // namespace vidrep
