// Training throughput of each network at the default config: clips/s for forward + backward +
// AdamW step on random batches (the data pipeline is not timed), one JSON line per arch, with the
// process CPU time per step beside the wall time (a loaded machine inflates only the latter).
// "ae" is the default autoencoder (models/autoencoder.h) on 9x32x32 clips with its MSE loss.
//
//   vidrep_bench_models [--threads 2] [--batch 16] [--steps 20] [--modality video] [--fusion concat]
//                       [arch ...]   (default: frame2d cnn_lstm c3d vit ae)
#include "vidrep/models/autoencoder.h"
#include "vidrep/models/network.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  int threads = 2;
  int64_t batch = 16, steps = 20;
  std::string modality = "video", fusion = "concat";
  std::vector<std::string> archs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return std::string(argv[++i]); };
    if (a == "--threads" && i + 1 < argc) threads = std::stoi(next());
    else if (a == "--batch" && i + 1 < argc) batch = std::stoll(next());
    else if (a == "--steps" && i + 1 < argc) steps = std::stoll(next());
    else if (a == "--modality" && i + 1 < argc) modality = next();
    else if (a == "--fusion" && i + 1 < argc) fusion = next();
    else archs.push_back(a);
  }
  if (archs.empty()) archs = {"frame2d", "cnn_lstm", "c3d", "vit", "ae"};
  threads = vidrep::set_num_threads(threads);
  for (const std::string& arch : archs) {
    torch::manual_seed(0);
    std::shared_ptr<torch::nn::Module> module;
    std::function<at::Tensor()> loss;
    if (arch == "ae") {
      const vidrep::AutoencoderConfig c;
      vidrep::Autoencoder ae = vidrep::make_autoencoder(c);
      const at::Tensor video = torch::rand({batch, 3, c.frames, c.height, c.width});
      loss = [ae, c, video]() mutable { return vidrep::autoencoder_loss(c, ae->forward(video), video).total; };
      module = ae.ptr();
    } else {
      vidrep::ModelConfig c;
      c.arch = arch;
      c.modality = modality;
      c.fusion = fusion;
      c.num_classes = 4;
      vidrep::VideoNet net = vidrep::make_network(c);
      const at::Tensor video = torch::randn({batch, 3, c.frames, c.height, c.width});
      const at::Tensor audio = torch::randn({batch, c.mel_frames, c.mel_bins});
      const at::Tensor labels = torch::randint(c.num_classes, {batch}, torch::kLong);
      loss = [net, video, audio, labels]() mutable {
        return torch::nn::functional::cross_entropy(net->forward(video, audio).logits, labels);
      };
      module = net.ptr();
    }
    module->train();
    torch::optim::AdamW opt(module->parameters(), torch::optim::AdamWOptions(1e-3));
    auto step = [&] {
      opt.zero_grad();
      loss().backward();
      opt.step();
    };
    for (int i = 0; i < 3; ++i) step();  // warm-up: allocator, oneDNN primitive caches
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    for (int64_t i = 0; i < steps; ++i) step();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // CPU time as well: on a busy machine wall time measures the neighbours, CPU time our work.
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    int64_t params = 0;
    for (const auto& p : module->parameters()) params += p.numel();
    nlohmann::json j = {{"arch", arch},       {"modality", arch == "ae" ? "video" : modality}, {"threads", threads},
                        {"batch", batch},     {"parameters", params}, {"clips_per_s", batch * steps / seconds},
                        {"ms_per_step", 1000 * seconds / steps}, {"cpu_ms_per_step", 1000 * cpu_seconds / steps}};
    fmt::print("{}\n", j.dump());
  }
  return 0;
}
