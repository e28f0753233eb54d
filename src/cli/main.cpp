// vidrep: the command-line tool. Every subcommand lives in its own cmd_*.cpp; this file wires
// them up and maps errors to exit status: 2 for bad input (vidrep::Error), 1 for internal errors.
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>

namespace {

// The commands that run networks, which restart with passive OpenMP threads (runtime.h).
bool runs_networks(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string command = argv[1];
  return command == "train" || command == "eval" || command == "predict" || command == "demo" || command == "ae";
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
