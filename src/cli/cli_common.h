// Shared pieces of the vidrep command-line tool: argument parsers for the value syntaxes every
// command uses (sizes, index lists, ranges), and the registration hook each command file exposes.
// Commands parse, call libvidrep and format output; they hold no logic of their own.
#pragma once

#include "vidrep/array.h"
#include "vidrep/curate/config.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/retrieval/descriptors.h"
#include "vidrep/track/anomaly.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vidrep::cli {

// "WxH" -> {W, H}; throws InvalidArgument naming `option`.
std::pair<int, int> parse_size(const std::string& text, const std::string& option);
// "3,1,4" -> {3,1,4}
std::vector<int64_t> parse_indices(const std::string& text, const std::string& option);
// "A:B" or "A:B:STEP" (B exclusive; empty B = to the end, given `count`)
std::vector<int64_t> parse_range(const std::string& text, int64_t count, const std::string& option);
// "0.5,1,2.25" -> seconds
std::vector<double> parse_times(const std::string& text, const std::string& option);

// The decoding flags shared by every command that reads video frames.
struct ReaderFlags {
  std::string size;
  int stream = -1;
  int threads = 0;
  bool no_autorotate = false;
  bool lenient = false;
};
void add_reader_flags(CLI::App* cmd, ReaderFlags& flags);
ReaderOptions reader_options(const ReaderFlags& flags);

// The embedding flags of the retrieval commands (embed, index build, dedup).
struct EmbedFlags {
  std::string method = "features";
  double per_second = 1.0;
  int threads = 0;
};
void add_embed_flags(CLI::App* cmd, EmbedFlags& flags);
retrieval::EmbedConfig embed_config(const EmbedFlags& flags);
// What makes a descriptor extractor: retrieval::make_feature_extractor in the front end (the
// handcrafted method; run: and ae: go to vidrep-torch), retrieval::make_embedder there.
using EmbedderFactory = std::unique_ptr<retrieval::DescriptorExtractor> (*)(const retrieval::EmbedConfig&);

// Thrown by a command that has already reported its errors and wants this exit status.
struct ExitStatus {
  int code;
};

// Parses the command line and runs the chosen command, mapping errors to the exit status: 2 for
// bad input (vidrep::Error), 1 for internal errors; one line on stderr.
int run_cli(CLI::App& app, int argc, char** argv);

// `clips --transform SPEC --layout L`, which compute with LibTorch: parsed before any decoding,
// then applied to the decoded clips (uint8 [K,L,H,W,3]).
struct ClipTransform {
  std::string text;  // the pipeline as parsed, for --json
  std::function<Array(const Array& clips, uint64_t seed)> apply;
};
using ClipTransformParser = ClipTransform (*)(const std::string& transform, const std::string& layout, int threads);
// The LibTorch one (clips_transform.cpp).
ClipTransform parse_clip_transform(const std::string& transform, const std::string& layout, int threads);

// `tokens --latent RUN`: the clip's autoencoder latent [t,h,w,C] (float32), from LibTorch.
using LatentEncoder = Array (*)(const std::string& run, const std::string& file, int64_t start, int64_t frames,
                                const ReaderOptions& reader);
// The LibTorch one (tokens_latent.cpp).
Array encode_latent(const std::string& run, const std::string& file, int64_t start, int64_t frames,
                    const ReaderOptions& reader);

// Each command file registers its subcommand (options + callback) on the root app.
// The I/O commands, free of LibTorch (main.cpp runs them in the front end):
void register_probe(CLI::App& app);
void register_frames(CLI::App& app);
// `parse_transform` null: the front end, which hands clips with --transform or --layout to vidrep-torch.
void register_clips(CLI::App& app, ClipTransformParser parse_transform);
void register_audio(CLI::App& app);
void register_encode(CLI::App& app);
void register_tokens(CLI::App& app, LatentEncoder encode_latent);  // tokens without --latent
void register_features(CLI::App& app);
void register_embed(CLI::App& app, EmbedderFactory make_embedder);
void register_shots(CLI::App& app);
void register_cut(CLI::App& app);
void register_track(CLI::App& app);
// The frame models of `anomaly` and `watch` (the future-frame predictor, apps/frame_prediction.h),
// given by vidrep-torch; the front end, without LibTorch, hands the command lines that need one
// over to it (main.cpp).
struct FrameModels {
  track::FrameModelLoader load;
  // An untrained predictor: training steps, frame height, LibTorch threads, progress.
  std::function<std::shared_ptr<track::FrameModel>(int steps, int height, int threads,
                                                   std::function<void(int64_t, int64_t, double)> progress)>
      make;
};
void register_watch(CLI::App& app, const track::FrameModelLoader& frame_models = {});
void register_anomaly(CLI::App& app, const FrameModels& frame_models = {});
void register_enhance(CLI::App& app);
// `latents`: what encodes the clips of `--ae RUN`; null in the front end, which hands such
// command lines to vidrep-torch.
void register_curate(CLI::App& app, curate::LatentEncoderFactory latents);
// The commands that compute with LibTorch (main_torch.cpp):
void register_train(CLI::App& app);
void register_pretrain(CLI::App& app);
void register_eval(CLI::App& app);
void register_predict(CLI::App& app);
void register_index(CLI::App& app);
void register_search(CLI::App& app);
void register_dedup(CLI::App& app);
void register_recommend(CLI::App& app);
void register_export(CLI::App& app);
void register_report(CLI::App& app);
void register_serve(CLI::App& app);
void register_synth(CLI::App& app);
void register_demo(CLI::App& app);
void register_ae(CLI::App& app);

}  // namespace vidrep::cli
