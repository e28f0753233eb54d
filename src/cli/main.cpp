// vidrep: the command-line tool. Every subcommand lives in its own cmd_*.cpp; this file wires
// them up and maps errors to exit status: 2 for bad input (vidrep::Error), 1 for internal errors.
#include "cli_common.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <unistd.h>

namespace {

// LibTorch's OpenMP threads spin for a while after each parallel region; while a network trains,
// that spinning takes the cores the data loader's decoding threads need (measured: 40 instead of
// 205 clips/s on 2 busy cores). libgomp reads its wait policy only when it loads, so the commands
// that run networks restart themselves once with OMP_WAIT_POLICY=PASSIVE unless the user set it.
void use_passive_openmp_threads(int argc, char** argv) {
  if (argc < 2 || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  const std::string command = argv[1];
  if (command != "train" && command != "eval" && command != "predict" && command != "demo" && command != "ae") return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
}

}  // namespace

int main(int argc, char** argv) {
  use_passive_openmp_threads(argc, argv);
  CLI::App app{"vidrep: video data processing and representation", "vidrep"};
  app.set_version_flag("--version", std::string("vidrep ") + VIDREP_VERSION);
  app.require_subcommand(1);
  vidrep::cli::register_probe(app);
  vidrep::cli::register_frames(app);
  vidrep::cli::register_clips(app);
  vidrep::cli::register_audio(app);
  vidrep::cli::register_encode(app);
  vidrep::cli::register_features(app);
  vidrep::cli::register_tokens(app);
  vidrep::cli::register_train(app);
  vidrep::cli::register_eval(app);
  vidrep::cli::register_predict(app);
  vidrep::cli::register_export(app);
  vidrep::cli::register_synth(app);
  vidrep::cli::register_demo(app);
  vidrep::cli::register_ae(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const vidrep::cli::ExitStatus& e) {
    return e.code;
  } catch (const vidrep::DecodeError& e) {
    std::fprintf(stderr, "vidrep: %s (--lenient skips damaged data)\n", e.what());
    return 2;
  } catch (const vidrep::Error& e) {
    std::fprintf(stderr, "vidrep: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // One line: LibTorch appends a backtrace to its messages.
    const std::string what = e.what();
    std::fprintf(stderr, "vidrep: internal error: %s\n", what.substr(0, what.find('\n')).c_str());
    return 1;
  }
  return 0;
}
