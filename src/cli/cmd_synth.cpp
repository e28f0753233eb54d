// vidrep synth --kind motion|av --out DIR [--per-class N] [--size WxH] [--frames F] [--fps R]
//              [--seed S] [--threads N] [--vary] [--overwrite] [--json]
// vidrep synth --kind surveillance --out DIR [--normal N] [--test N] [--seconds S] [--size WxH] [--fps R] ...
#include "cli_common.h"
#include "progress.h"

#include "vidrep/data/synth_dataset.h"
#include "vidrep/track/synth_scene.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_synth(CLI::App& app) {
  struct Args {
    std::string kind = "motion";
    std::string size = "32x32";
    synth::SynthOptions options;
    track::SceneOptions scene;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  synth::SynthOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "synth", "Write a labelled synthetic dataset of mp4 files (H.264 + AAC) with train/val/test lists");
  cmd->add_option("--kind", args->kind,
                  "motion: 8 motions in time-reversed pairs (left/right, up/down, rotate_cw/ccw, zoom_in/out); "
                  "av: {left,right,up,down} x {low,high} tone; "
                  "surveillance: static-camera scenes of walkers with labelled anomalies and tracks (README)")
      ->capture_default_str();
  cmd->add_option("--out,-o", o.out, "Dataset folder (must be empty or absent unless --overwrite)")->required();
  cmd->add_option("--per-class", o.per_class, "Train videos per class; val and test get max(2, N/4) each")
      ->capture_default_str();
  cmd->add_option("--size", args->size, "Frame size WxH, even, at least 16x16")->capture_default_str();
  cmd->add_option("--frames", o.frames, "Frames per video")->capture_default_str();
  cmd->add_option("--fps", o.fps, "Frame rate")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed: the same seed renders the same videos")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Workers (default: one per core); the videos do not depend on it");
  cmd->add_flag("--vary", o.vary, "Per-video frames in [F, 2F] and fps in [R/2, R]");
  cmd->add_flag("--overwrite", o.overwrite, "Replace a non-empty --out folder");
  cmd->add_option("--normal", args->scene.normal, "surveillance: normal scenes")->capture_default_str();
  cmd->add_option("--test", args->scene.test, "surveillance: scenes with anomalies")->capture_default_str();
  cmd->add_option("--seconds", args->scene.seconds, "surveillance: seconds per scene")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print a JSON summary instead of a sentence");
  cmd->callback([args, cmd] {
    if (args->kind == "surveillance") {
      track::SceneOptions o = args->scene;
      o.out = args->options.out;
      o.seed = args->options.seed;
      o.overwrite = args->options.overwrite;
      o.threads = args->options.threads;
      if (cmd->count("--size") > 0) std::tie(o.width, o.height) = parse_size(args->size, "--size");
      if (cmd->count("--fps") > 0) o.fps = args->options.fps;
      const track::SceneSummary s = track::synth_surveillance(o);
      if (args->json) {
        fmt::print("{}\n", nlohmann::json{{"out", s.out}, {"kind", "surveillance"}, {"normal", s.normal}, {"test", s.test},
                                          {"anomalies", s.anomalies}, {"frames", s.frames},
                                          {"anomalous_frames", s.anomalous_frames}, {"width", o.width},
                                          {"height", o.height}, {"fps", o.fps}, {"seconds", o.seconds}, {"seed", o.seed}}
                               .dump());
      } else {
        int anomalies = 0;
        for (const auto& [type, n] : s.anomalies) anomalies += n;
        fmt::print("synth: wrote {} normal and {} test scenes to {} ({} anomalies; truth.tsv, *.gt.txt)\n", s.normal,
                   s.test, s.out, anomalies);
      }
      return;
    }
    synth::SynthOptions run = args->options;
    run.kind = synth::parse_kind(args->kind);
    std::tie(run.width, run.height) = parse_size(args->size, "--size");
    ProgressBar bar;
    run.progress = [&bar](int64_t done, int64_t total) {
      bar.update(static_cast<double>(done) / static_cast<double>(total), fmt::format("{}/{} videos", done, total));
    };
    const synth::SynthSummary s = synth::synth_dataset(run);
    bar.clear();
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"out", s.out},
                                        {"kind", synth::kind_name(s.kind)},
                                        {"classes", s.classes},
                                        {"videos", {{"train", s.train}, {"val", s.val}, {"test", s.test}}},
                                        {"files", s.files},
                                        {"bytes", s.bytes},
                                        {"width", run.width},
                                        {"height", run.height},
                                        {"frames", run.frames},
                                        {"fps", run.fps},
                                        {"vary", run.vary},
                                        {"seed", run.seed},
                                        {"threads", s.threads},
                                        {"seconds", s.seconds}}
                             .dump());
    } else {
      fmt::print("synth: wrote {} files to {} in {:.2f} s: {} {} videos of {} classes ({} train, {} val, {} test)\n",
                 s.files, s.out, s.seconds, s.train + s.val + s.test, synth::kind_name(s.kind), s.classes.size(),
                 s.train, s.val, s.test);
    }
  });
}

}  // namespace vidrep::cli
