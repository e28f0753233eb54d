#include "vidrep/apps/demo.h"

#include "vidrep/apps/predict.h"
#include "vidrep/data/synth_dataset.h"
#include "vidrep/train/evaluate.h"
#include "vidrep/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

namespace vidrep {
namespace fs = std::filesystem;
namespace {

struct Job {
  std::string name, data, arch, modality, target;
  double bound;  // accuracy target: >= bound when at_least, else <= bound
  bool at_least;
};

}  // namespace

DemoResult run_demo(const DemoOptions& options, const std::function<void(const std::string&)>& log) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path root = options.out_dir;
  fs::create_directories(root / "data");
  fs::create_directories(root / "runs");
  DemoResult result;

  for (const auto kind : {synth::Kind::Motion, synth::Kind::Av}) {
    synth::SynthOptions s;
    s.kind = kind;
    s.out = (root / "data" / synth::kind_name(kind)).string();
    s.per_class = options.per_class;
    s.threads = options.threads;
    s.overwrite = true;
    const synth::SynthSummary summary = synth_dataset(s);
    log(fmt::format("synth {:<6}  {} classes, {} train / {} val / {} test mp4 files in {} ({:.1f} s)",
                    synth::kind_name(kind), summary.classes.size(), summary.train, summary.val, summary.test,
                    summary.out, summary.seconds));
  }

  const std::string motion = (root / "data" / "motion").string(), av = (root / "data" / "av").string();
  const std::vector<Job> jobs = {
      {"motion_c3d", motion, "c3d", "video", ">= 95 %", 0.95, true},
      {"motion_frame2d", motion, "frame2d", "video", "<= 60 %", 0.60, false},
      {"av_fusion", av, "c3d", "av", ">= 95 %", 0.95, true},
  };
  for (const Job& job : jobs) {
    TrainConfig c;
    c.data = job.data;
    c.model.arch = job.arch;
    c.model.modality = job.modality;
    c.threads = options.threads;
    if (options.epochs > 0) c.epochs = options.epochs;
    DemoRun run;
    run.name = job.name;
    run.run_dir = (root / "runs" / job.name).string();
    fs::remove_all(run.run_dir);
    log(fmt::format("train {:<15} {} on {} ({}) ...", job.name, job.arch, fs::path(job.data).filename().string(),
                    job.modality));
    const TrainResult t = train(c, run.run_dir);
    run.train_seconds = t.seconds;
    EvalOptions eval_options;
    eval_options.threads = options.threads;
    const EvalResult e = evaluate_run(run.run_dir, eval_options);
    run.accuracy = e.report.accuracy;
    run.macro_f1 = e.report.macro_f1;
    run.target = job.target;
    run.target_met = job.at_least ? run.accuracy >= job.bound : run.accuracy <= job.bound;
    log(fmt::format("      {:<15} {} epochs in {:.1f} s; test accuracy {:.1f} % (target {}: {})", job.name,
                    t.epochs_done, t.seconds, 100 * run.accuracy, job.target, run.target_met ? "met" : "MISSED"));
    result.runs.push_back(run);
  }

  // A few test files through `predict`, one per class pair.
  std::vector<std::string> files;
  for (const char* name : {"left", "right", "rotate_cw", "zoom_out"})
    files.push_back((fs::path(motion) / "videos" / name / "test_0000.mp4").string());
  for (const auto& p : predict_videos(result.runs[0].run_dir, files, {.topk = 1, .threads = options.threads})) {
    const std::string truth = fs::path(p.path).parent_path().filename().string();
    result.predictions.push_back(p.error.empty() ? fmt::format("{} (true: {}): {} {:.3f}", fs::path(p.path).filename().string(),
                                                               truth, p.top[0].first, p.top[0].second)
                                                 : p.error);
    log("predict " + result.predictions.back());
  }
  result.ok = true;
  for (const auto& r : result.runs) result.ok = result.ok && r.target_met;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace vidrep
