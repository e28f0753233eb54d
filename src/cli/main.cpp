// vidrep: the command-line tool. Every subcommand lives in its own cmd_*.cpp; this file wires
// them up and maps errors to exit status: 2 for bad input (vidrep::Error), 1 for internal errors.
#include "cli_common.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <string>

#include <malloc.h>
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

// glibc hands every block above its mmap threshold (a few MiB) straight back to the kernel on
// free, and trims the heap's free top, so each batch's activations and decoded frames come back as
// fresh pages that the kernel faults in and zeroes again. Keeping freed memory in the heap instead
// (measured: `ae eval` of 192 clips 9.2 -> 4.8 s, system time 10 -> 0.6 s; an `ae train` epoch
// 23.9 -> 21.5 s) costs only that the process keeps its peak size until it exits.
void keep_freed_memory() {
  ::mallopt(M_MMAP_MAX, 0);
  ::mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

// A file-size limit (`ulimit -f`) kills a process with SIGXFSZ by default, leaving its temporary
// output behind. Ignored, the write fails with EFBIG instead, and vidrep reports it like a full
// disk, cleaning up as it goes.
void report_file_size_limit_as_write_error() { std::signal(SIGXFSZ, SIG_IGN); }

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();
  report_file_size_limit_as_write_error();
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
