#include "vidrep/train/checkpoint.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <mutex>

namespace vidrep {
namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

at::Tensor scalar(int64_t v) { return torch::tensor(v, torch::kLong); }
at::Tensor scalar(double v) { return torch::tensor(v, torch::kDouble); }

}  // namespace

void save_checkpoint(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer* optimizer,
                     const TrainState& state) {
  io::OutputFile out(path);
  torch::serialize::OutputArchive archive;
  module.save(archive);
  if (optimizer) {
    torch::serialize::OutputArchive opt;
    optimizer->save(opt);
    archive.write("optimizer", opt);
  }
  archive.write("trainer.next_epoch", scalar(state.next_epoch));
  archive.write("trainer.step", scalar(state.step));
  archive.write("trainer.best_metric", scalar(state.best_metric));
  archive.write("trainer.best_loss", scalar(state.best_loss));
  archive.write("trainer.lowest_loss", scalar(state.lowest_loss));
  archive.write("trainer.best_epoch", scalar(state.best_epoch));
  archive.write("trainer.stale_epochs", scalar(state.stale_epochs));
  {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("trainer.rng", generator.get_state());
  }
  try {
    archive.save_to(out.temp_path());
  } catch (const c10::Error& e) {
    throw WriteError(fmt::format("{}: {}", path, first_line(e.what())));
  }
  out.commit();
}

void load_checkpoint(const std::string& path, torch::nn::Module& module, torch::optim::Optimizer* optimizer,
                     TrainState* state) {
  if (!std::filesystem::is_regular_file(path)) throw ConfigError(fmt::format("{}: no such checkpoint", path));
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    module.load(archive);
    if (optimizer) {
      torch::serialize::InputArchive opt;
      archive.read("optimizer", opt);
      optimizer->load(opt);
    }
    if (state) {
      // A fresh tensor per key: reading into a defined tensor would resize its storage in place.
      const auto read = [&](const char* key) {
        at::Tensor t;
        archive.read(key, t);
        return t;
      };
      state->next_epoch = read("trainer.next_epoch").item<int64_t>();
      state->step = read("trainer.step").item<int64_t>();
      state->best_metric = read("trainer.best_metric").item<double>();
      state->best_epoch = read("trainer.best_epoch").item<int64_t>();
      at::Tensor best_loss;  // absent from checkpoints written before the tie-break
      state->best_loss = archive.try_read("trainer.best_loss", best_loss) ? best_loss.item<double>() : 1e300;
      at::Tensor lowest_loss;
      state->lowest_loss = archive.try_read("trainer.lowest_loss", lowest_loss) ? lowest_loss.item<double>() : 1e300;
      state->stale_epochs = read("trainer.stale_epochs").item<int64_t>();
      const at::Tensor t = read("trainer.rng");
      at::Generator generator = at::detail::getDefaultCPUGenerator();  // shares the global state
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(t);
    }
  } catch (const c10::Error& e) {
    throw ConfigError(fmt::format("{}: cannot load the checkpoint: {}", path, first_line(e.what())));
  }
}

}  // namespace vidrep
