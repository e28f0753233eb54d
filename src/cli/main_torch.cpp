// vidrep-torch: every command, the ones that compute with LibTorch included. `vidrep` (main.cpp)
// runs the I/O commands itself and hands everything else to this executable beside it.
#include "cli_common.h"

#include "vidrep/apps/autoencoder.h"
#include "vidrep/apps/frame_prediction.h"
#include "vidrep/retrieval/embedder.h"
#include "vidrep/runtime.h"

#include <string>

namespace {

// The commands that run networks, which restart with passive OpenMP threads (runtime.h); the web
// app too, which would otherwise spin idle threads between requests.
bool runs_networks(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string command = argv[1];
  return command == "train" || command == "pretrain" || command == "eval" || command == "predict" || command == "demo" || command == "ae" || command == "anomaly" || command == "watch" ||
         command == "serve";
}

}  // namespace

int main(int argc, char** argv) {
  vidrep::init_process();
  if (runs_networks(argc, argv)) vidrep::restart_with_passive_openmp(argv);
  CLI::App app{"vidrep: video data processing and representation", "vidrep"};
  app.set_version_flag("--version", std::string("vidrep ") + VIDREP_VERSION);
  app.require_subcommand(1);
  vidrep::cli::register_probe(app);
  vidrep::cli::register_frames(app);
  vidrep::cli::register_clips(app, &vidrep::cli::parse_clip_transform);
  vidrep::cli::register_audio(app);
  vidrep::cli::register_encode(app);
  vidrep::cli::register_features(app);
  vidrep::cli::register_tokens(app, &vidrep::cli::encode_latent);
  vidrep::cli::register_train(app);
  vidrep::cli::register_pretrain(app);
  vidrep::cli::register_eval(app);
  vidrep::cli::register_predict(app);
  vidrep::cli::register_embed(app, &vidrep::retrieval::make_embedder);
  vidrep::cli::register_shots(app);
  vidrep::cli::register_cut(app);
  vidrep::cli::register_track(app);
  vidrep::cli::register_watch(app, &vidrep::load_predictor);
  vidrep::cli::register_anomaly(app, {&vidrep::load_predictor, &vidrep::make_predictor});
  vidrep::cli::register_enhance(app);
  vidrep::cli::register_curate(app, &vidrep::curation_latents);
  vidrep::cli::register_index(app);
  vidrep::cli::register_search(app);
  vidrep::cli::register_dedup(app);
  vidrep::cli::register_recommend(app);
  vidrep::cli::register_export(app);
  vidrep::cli::register_report(app);
  vidrep::cli::register_serve(app);
  vidrep::cli::register_synth(app);
  vidrep::cli::register_demo(app);
  vidrep::cli::register_ae(app);
  return vidrep::cli::run_cli(app, argc, argv);
}
