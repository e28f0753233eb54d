#include "vidrep/apps/predict.h"

#include "vidrep/data/loader.h"
#include "vidrep/error.h"
#include "vidrep/random.h"
#include "vidrep/runtime.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/run.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

namespace vidrep {

std::vector<Prediction> predict_videos(const std::string& run_dir, const std::vector<std::string>& paths,
                                       const PredictOptions& options) {
  if (options.clips < 1) throw InvalidArgument(fmt::format("--clips {}: must be >= 1", options.clips));
  if (options.topk < 1) throw InvalidArgument(fmt::format("--topk {}: must be >= 1", options.topk));
  const RunInfo run = load_run_info(run_dir);
  if (run.config.task == Task::Contrastive)
    throw ConfigError(fmt::format("{}: a contrastive run has no classes to predict; its embedding is a descriptor "
                                  "(vidrep embed --method run:{})", run_dir, run_dir));
  set_num_threads(options.threads);
  RunNetwork net = load_run_network(run, options.checkpoint);
  const LoaderOptions loader = run_loader_options(run.config, false, 0);
  const bool multi = run.config.model.multi_label;
  const auto k = static_cast<int64_t>(run.classes.size());
  torch::NoGradGuard no_grad;

  std::vector<Prediction> out;
  for (const auto& path : paths) {
    Prediction p;
    p.path = path;
    try {
      std::vector<at::Tensor> videos, audios;
      for (int64_t i = 0; i < options.clips; ++i) {
        const SampleTensors s = load_sample(Sample{path, {}, 0, -1}, loader, derive_seed(run.config.seed, i), i,
                                            options.clips);
        if (s.video.defined()) videos.push_back(s.video);
        if (s.audio.defined()) audios.push_back(s.audio);
      }
      const at::Tensor video = videos.empty() ? at::Tensor() : torch::stack(videos);
      const at::Tensor audio = audios.empty() ? at::Tensor() : torch::stack(audios);
      const at::Tensor probs = class_probabilities(net.forward(video, audio).logits, multi).mean(0).contiguous();
      p.probabilities.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + k);
      std::vector<int64_t> order(static_cast<size_t>(k));
      for (int64_t c = 0; c < k; ++c) order[c] = c;
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return p.probabilities[a] > p.probabilities[b]; });
      for (int64_t j = 0; j < std::min(options.topk, k); ++j) p.top.emplace_back(run.classes[order[j]], p.probabilities[order[j]]);
    } catch (const Error& e) {
      p.error = e.what();
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace vidrep
