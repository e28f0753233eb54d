// vidrep: the command-line tool's front end. Loading LibTorch costs a process ~0.5 s before main
// (its static initialisers), so this executable links only the I/O core (array.h, io/, sample/)
// and runs the commands that need nothing else itself: probe, frames, audio, encode, features,
// shots, cut, enhance, track, watch and anomaly without a frame model (a predictor run), curate without latents (--ae, or "ae" in its --config), clips
// without --transform/--layout, tokens without --latent and embed with the handcrafted method. Every other command line goes
// unchanged to vidrep-torch, installed beside it (main_torch.cpp), which runs every command.
#include "cli_common.h"

#include "vidrep/runtime.h"
#include "vidrep/track/anomaly.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace {

// Whether curate config file `path` names an autoencoder run ("ae"). A file that cannot be read
// or parsed does not: the command reports it.
bool config_names_ae(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("ae") && j["ae"].is_string() && !j["ae"].get<std::string>().empty();
}

bool runs_here(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string_view command = argv[1];
  if (command == "--version" || command == "probe" || command == "frames" || command == "audio" ||
      command == "encode" || command == "features" || command == "shots" || command == "cut" ||
      command == "enhance" || command == "track") {
    return true;
  }
  // An anomaly run with a frame model (the future-frame predictor) needs LibTorch: training one
  // (--method predict|both), scoring with one (anomaly score RUN), watching with one (--model RUN).
  if (command == "anomaly" || command == "watch") {
    const std::string_view sub = argc > 2 ? std::string_view(argv[2]) : std::string_view();
    for (int i = 2; i < argc; ++i) {
      const std::string_view arg = argv[i];
      const std::string_view next = i + 1 < argc ? std::string_view(argv[i + 1]) : std::string_view();
      if (command == "anomaly" && sub == "train" &&
          ((arg == "--method" && next != "density") || (arg.starts_with("--method=") && arg != "--method=density"))) {
        return false;
      }
      if (command == "watch" && arg == "--model" && !next.empty() && vidrep::track::AnomalyModel::has_frame_model(std::string(next))) return false;
      if (command == "watch" && arg.starts_with("--model=") && vidrep::track::AnomalyModel::has_frame_model(std::string(arg.substr(8)))) return false;
    }
    // anomaly score RUN FILE...: RUN is the first argument that is not an option.
    if (command == "anomaly" && sub == "score") {
      for (int i = 3; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--threads") {
          ++i;
          continue;
        }
        if (arg.starts_with("-")) continue;
        return !vidrep::track::AnomalyModel::has_frame_model(std::string(arg));
      }
    }
    return true;
  }
  if (command == "curate") {
    for (int i = 2; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (arg == "--ae" || arg.starts_with("--ae=")) return false;
      if (arg.starts_with("--config=") && config_names_ae(std::string(arg.substr(9)))) return false;
      if (arg == "--config" && i + 1 < argc && config_names_ae(argv[i + 1])) return false;
    }
    return true;
  }
  if (command != "clips" && command != "tokens" && command != "embed") return false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const std::string_view next = i + 1 < argc ? std::string_view(argv[i + 1]) : std::string_view();
    if (command == "embed" && (arg.starts_with("--method=run:") || arg.starts_with("--method=ae:") ||
                               (arg == "--method" && (next.starts_with("run:") || next.starts_with("ae:"))))) {
      return false;
    }
    if (command == "clips" && (arg.starts_with("--transform") || arg.starts_with("--layout"))) return false;
    if (command == "tokens" && arg.starts_with("--latent")) return false;
  }
  return true;
}

// Replaces this process with vidrep-torch; returns only on failure, with the exit status.
int hand_over(char** argv) {
  std::error_code ec;
  std::filesystem::path torch = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) torch = "vidrep";
  torch.replace_filename("vidrep-torch");
  ::execv(torch.c_str(), argv);
  std::fprintf(stderr, "vidrep: internal error: cannot run %s: %s (it is built and installed beside vidrep)\n",
               torch.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  vidrep::init_process();
  if (!runs_here(argc, argv)) return hand_over(argv);
  CLI::App app{"vidrep: video data processing and representation", "vidrep"};
  app.set_version_flag("--version", std::string("vidrep ") + VIDREP_VERSION);
  app.require_subcommand(1);
  vidrep::cli::register_probe(app);
  vidrep::cli::register_frames(app);
  vidrep::cli::register_clips(app, nullptr);
  vidrep::cli::register_audio(app);
  vidrep::cli::register_encode(app);
  vidrep::cli::register_features(app);
  vidrep::cli::register_tokens(app, nullptr);
  vidrep::cli::register_embed(app, &vidrep::retrieval::make_feature_extractor);
  vidrep::cli::register_shots(app);
  vidrep::cli::register_cut(app);
  vidrep::cli::register_track(app);
  vidrep::cli::register_watch(app);
  vidrep::cli::register_anomaly(app);
  vidrep::cli::register_enhance(app);
  vidrep::cli::register_curate(app, nullptr);
  return vidrep::cli::run_cli(app, argc, argv);
}
