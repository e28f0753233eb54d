#include "vidrep/train/evaluate.h"

#include "vidrep/data/dataset.h"
#include "vidrep/data/loader.h"
#include "vidrep/error.h"
#include "vidrep/runtime.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/run_network.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace vidrep {

EvalResult evaluate_run(const std::string& run_dir, const EvalOptions& options) {
  const RunInfo run = load_run_info(run_dir);
  set_num_threads(options.threads);
  const std::string data = options.data.empty() ? run.config.data : options.data;
  Dataset dataset = load_dataset(data, options.split);
  if (!dataset.labelled) throw ConfigError(fmt::format("{}: video files without labels; eval needs a labelled dataset", data));
  if (dataset.classes != run.classes)
    throw ConfigError(fmt::format("{}: classes [{}] differ from the run's [{}]", data,
                                  fmt::join(dataset.classes, ","), fmt::join(run.classes, ",")));
  if (dataset.samples.empty()) throw ConfigError(fmt::format("{}: the {} split has no videos", data, options.split));
  RunNetwork net = load_run_network(run, options.checkpoint);
  DataLoader loader(std::move(dataset), run_loader_options(run.config, false, options.workers));
  const InferenceResult r = run_inference(net, loader, 0);
  EvalResult result;
  result.report = classification_report(r.scores, r.labels, run.classes);
  result.loss = r.loss;
  result.skipped = loader.skipped();
  return result;
}

}  // namespace vidrep
