#include "vidrep/train/run.h"

#include "vidrep/data/dataset.h"
#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/train/checkpoint.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace vidrep {
namespace fs = std::filesystem;
namespace {

// The module's state dict as weights.pt and its config as `config_name`.
void export_module(torch::nn::Module& module, const nlohmann::json& config, const std::string& config_name,
                   const std::string& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw WriteError(fmt::format("{}: cannot create the export folder: {}", out_dir, ec.message()));

  // Parameters then buffers, under the names Python's state_dict() uses. Tensors are detached
  // contiguous copies so the pickle holds exactly their values (no autograd, no shared storage).
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& item : module.named_parameters()) state.insert(item.key(), item.value().detach().contiguous().clone());
  for (const auto& item : module.named_buffers()) state.insert(item.key(), item.value().detach().contiguous().clone());
  const std::vector<char> weights = torch::pickle_save(c10::IValue(state));
  io::write_file((fs::path(out_dir) / "weights.pt").string(), std::string_view(weights.data(), weights.size()));

  const std::string text = config.dump(2) + "\n";
  io::write_file((fs::path(out_dir) / config_name).string(), text);
}

}  // namespace

std::string RunInfo::checkpoint(const std::string& which) const {
  if (which != "best" && which != "last")
    throw InvalidArgument(fmt::format("checkpoint '{}': expected best or last", which));
  return (fs::path(dir) / (which + ".pt")).string();
}

std::string RunInfo::metrics_path() const { return (fs::path(dir) / "metrics.jsonl").string(); }

std::string RunInfo::index_cache_path() const { return (fs::path(dir) / "frame_index.bin").string(); }

RunInfo load_run_info(const std::string& dir) {
  const fs::path config_path = fs::path(dir) / "config.json";
  std::ifstream in(config_path);
  if (!in) throw ConfigError(fmt::format("{}: not a vidrep run (no config.json)", dir));
  RunInfo run;
  run.dir = dir;
  std::stringstream text;
  text << in.rdbuf();
  try {
    run.config = nlohmann::json::parse(text.str()).get<TrainConfig>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: {}", config_path.string(), e.what()));
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", config_path.string(), e.what()));
  }
  std::ifstream classes(fs::path(dir) / "classes.txt");
  for (std::string line; std::getline(classes, line);)
    if (!line.empty()) run.classes.push_back(line);
  if (run.config.task == Task::Classify && static_cast<int64_t>(run.classes.size()) != run.config.model.num_classes)
    throw ConfigError(fmt::format("{}: classes.txt has {} classes, config.json says {}", dir, run.classes.size(),
                                  run.config.model.num_classes));
  return run;
}

void save_run_info(const RunInfo& run) {
  std::error_code ec;
  fs::create_directories(run.dir, ec);
  if (ec) throw WriteError(fmt::format("{}: cannot create the run folder: {}", run.dir, ec.message()));
  if (!run.classes.empty()) write_classes_file(run.dir, run.classes);
  io::write_file(run.metrics_path(), "");
  io::write_file((fs::path(run.dir) / "config.json").string(), nlohmann::json(run.config).dump(2) + "\n");
}

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
  if (config.task != Task::Classify && config.task != Task::Contrastive)
    throw ConfigError(fmt::format("a VideoNet needs task classify or contrastive, got '{}'", task_name(config.task)));
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
  if (run.config.task != Task::Classify && run.config.task != Task::Contrastive)
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

void export_network(VideoNet& net, const std::string& out_dir) {
  export_module(*net, nlohmann::json(net->config()), "model.json", out_dir);
}

void export_autoencoder(Autoencoder& ae, const std::string& out_dir) {
  export_module(*ae, nlohmann::json(ae->config()), "autoencoder.json", out_dir);
}

void export_run(const std::string& run_dir, const std::string& out_dir, const std::string& checkpoint) {
  const RunInfo run = load_run_info(run_dir);
  if (run.config.task == Task::Autoencode) {
    Autoencoder ae = load_run_autoencoder(run, checkpoint);
    export_autoencoder(ae, out_dir);
    return;
  }
  VideoNet net = load_run_network(run, checkpoint).net;
  export_network(net, out_dir);
  write_classes_file(out_dir, run.classes);
}

}  // namespace vidrep
