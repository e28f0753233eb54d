// vidrep predict --run RUN [--topk K] [--clips N] [--json] VIDEO...
#include "cli_common.h"

#include "vidrep/apps/predict.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

struct PredictArgs {
  std::string run;
  std::vector<std::string> videos;
  PredictOptions options;
  bool json = false;
};

}  // namespace

void register_predict(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "Labels of videos with a trained run (probabilities averaged over clips)");
  cmd->add_option("--run", args->run, "Run folder written by vidrep train")->required();
  cmd->add_option("videos", args->videos, "Video files")->required();
  cmd->add_option("--topk", args->options.topk, "Labels per video")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--clips", args->options.clips, "Clips per video, evenly spread")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--checkpoint", args->options.checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--threads", args->options.threads, "LibTorch threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "One JSON line per video: {path, top: [{label, probability}]} or {path, error}");
  cmd->callback([args] {
    const auto predictions = predict_videos(args->run, args->videos, args->options);
    bool failed = false;
    for (const auto& p : predictions) {
      if (!p.error.empty()) {
        failed = true;
        if (args->json) fmt::print("{}\n", nlohmann::json{{"path", p.path}, {"error", p.error}}.dump());
        else fmt::print(stderr, "vidrep: {}\n", p.error);
        continue;
      }
      if (args->json) {
        nlohmann::json top = nlohmann::json::array();
        for (const auto& [label, prob] : p.top) top.push_back({{"label", label}, {"probability", prob}});
        fmt::print("{}\n", nlohmann::json{{"path", p.path}, {"top", top}}.dump());
      } else {
        std::string line = p.path + ":";
        for (const auto& [label, prob] : p.top) line += fmt::format("  {} {:.3f}", label, prob);
        fmt::print("{}\n", line);
      }
    }
    if (failed) throw ExitStatus{2};
  });
}

}  // namespace vidrep::cli
