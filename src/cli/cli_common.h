// Shared pieces of the vidrep command-line tool: argument parsers for the value syntaxes every
// command uses (sizes, index lists, ranges), and the registration hook each command file exposes.
// Commands parse, call libvidrep and format output; they hold no logic of their own.
#pragma once

#include "vidrep/io/video_reader.h"

#include <CLI/CLI.hpp>

#include <cstdint>
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
// Also sets LibTorch's thread count from --threads.
ReaderOptions reader_options(const ReaderFlags& flags);

// Thrown by a command that has already reported its errors and wants this exit status.
struct ExitStatus {
  int code;
};

// Each command file registers its subcommand (options + callback) on the root app.
void register_probe(CLI::App& app);
void register_frames(CLI::App& app);
void register_clips(CLI::App& app);
void register_audio(CLI::App& app);
void register_encode(CLI::App& app);
void register_features(CLI::App& app);
void register_tokens(CLI::App& app);
void register_train(CLI::App& app);
void register_eval(CLI::App& app);
void register_predict(CLI::App& app);
void register_export(CLI::App& app);
void register_synth(CLI::App& app);
void register_demo(CLI::App& app);
void register_ae(CLI::App& app);

}  // namespace vidrep::cli
