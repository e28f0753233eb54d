#include "vidrep/apps/export.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

namespace vidrep {

namespace {

void write_file(const std::string& path, const char* data, size_t size) {
  io::OutputFile out(path);
  {
    std::ofstream file(out.temp_path(), std::ios::binary);
    file.write(data, static_cast<std::streamsize>(size));
    file.close();
    if (!file) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

// The module's state dict as weights.pt and its config as `config_name`.
void export_module(torch::nn::Module& module, const nlohmann::json& config, const std::string& config_name,
                   const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw WriteError(fmt::format("{}: cannot create the export folder: {}", out_dir, ec.message()));

  // Parameters then buffers, under the names Python's state_dict() uses. Tensors are detached
  // contiguous copies so the pickle holds exactly their values (no autograd, no shared storage).
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& item : module.named_parameters()) state.insert(item.key(), item.value().detach().contiguous().clone());
  for (const auto& item : module.named_buffers()) state.insert(item.key(), item.value().detach().contiguous().clone());
  const std::vector<char> weights = torch::pickle_save(c10::IValue(state));
  write_file((std::filesystem::path(out_dir) / "weights.pt").string(), weights.data(), weights.size());

  const std::string text = config.dump(2) + "\n";
  write_file((std::filesystem::path(out_dir) / config_name).string(), text.data(), text.size());
}

}  // namespace

void export_network(VideoNet& net, const std::string& out_dir) {
  export_module(*net, nlohmann::json(net->config()), "model.json", out_dir);
}

void export_autoencoder(Autoencoder& ae, const std::string& out_dir) {
  export_module(*ae, nlohmann::json(ae->config()), "autoencoder.json", out_dir);
}

}  // namespace vidrep
