// vidrep serve [--index IDX] [--runs DIR] [--alerts DIR] [--host 127.0.0.1] [--port 8080]
#include "cli_common.h"

#include "vidrep/serve/server.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

namespace vidrep::cli {
namespace {

struct ServeArgs {
  serve::ServeOptions options;
  double max_upload_mib = 256;
};

std::atomic<bool> g_stop{false};
extern "C" void on_serve_signal(int) { g_stop = true; }

}  // namespace

void register_serve(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  serve::ServeOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "serve", "A local web app: browse an index's videos, play them, see their neighbours and matched segments, "
               "search with an uploaded clip, read run reports, follow a watch's alerts");
  cmd->add_option("--index", o.index, "Retrieval index to browse and search (vidrep index build)");
  cmd->add_option("--runs", o.runs, "A run folder, or a folder of runs, to report on (vidrep train / ae train / pretrain)");
  cmd->add_option("--alerts", o.alerts, "The --alerts-dir of a vidrep watch, followed as alerts arrive");
  cmd->add_option("--host", o.host, "Address to listen on (the default serves this machine only)")->capture_default_str();
  cmd->add_option("--port", o.port, "Port (0: any free one, printed)")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--max-upload", args->max_upload_mib, "Largest search clip accepted, MiB")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 65536.0));
  cmd->add_option("--cache", o.cache, "Folder for previews of files a browser cannot play (default: a temporary one)");
  cmd->add_option("--threads", o.threads, "Decoder and LibTorch threads (0: one per core)")->capture_default_str();
  cmd->callback([args] {
    serve::ServeOptions o = args->options;
    o.max_upload = static_cast<int64_t>(args->max_upload_mib * 1048576);
    serve::Server server(o);
    const int port = server.bind();
    if (o.host != "127.0.0.1" && o.host != "localhost" && o.host != "::1") {
      fmt::print(stderr, "serve: listening on {}: whoever reaches it can watch the indexed videos and alerts\n", o.host);
    }
    fmt::print("vidrep serve: http://{}:{}/  {}  (Ctrl-C stops)\n", o.host, port, server.summary());
    std::fflush(stdout);
    g_stop = false;
    std::signal(SIGINT, on_serve_signal);
    std::signal(SIGTERM, on_serve_signal);
    std::atomic<bool> done{false};
    std::thread stopper([&] {
      while (!g_stop && !done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      server.stop();
    });
    server.run();
    done = true;
    stopper.join();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    fmt::print("vidrep serve: stopped\n");
  });
}

}  // namespace vidrep::cli
