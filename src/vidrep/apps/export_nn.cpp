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

}  // namespace

void export_network(VideoNet& net, const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw WriteError(fmt::format("{}: cannot create the export folder: {}", out_dir, ec.message()));

  // Parameters then buffers, under the names Python's state_dict() uses. Tensors are detached
  // contiguous copies so the pickle holds exactly their values (no autograd, no shared storage).
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& item : net->named_parameters()) state.insert(item.key(), item.value().detach().contiguous().clone());
  for (const auto& item : net->named_buffers()) state.insert(item.key(), item.value().detach().contiguous().clone());
  const std::vector<char> weights = torch::pickle_save(c10::IValue(state));
  write_file((std::filesystem::path(out_dir) / "weights.pt").string(), weights.data(), weights.size());

  const std::string config = nlohmann::json(net->config()).dump(2) + "\n";
  write_file((std::filesystem::path(out_dir) / "model.json").string(), config.data(), config.size());
}

}  // namespace vidrep
