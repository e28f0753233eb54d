#include "vidrep/train/launch.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>
#include <vector>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }

// This process's own arguments, as it was started.
std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (args.empty()) throw ConfigError("launch: cannot read this process's command line (/proc/self/cmdline)");
  return args;
}

// The environment with `set` replacing the variables of the same names.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& set) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (set.count(entry.substr(0, entry.find('='))) == 0) out.push_back(entry);
  }
  for (const auto& [key, value] : set) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
  std::vector<char*> out;
  for (auto& t : texts) out.push_back(t.data());
  out.push_back(nullptr);
  return out;
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

int launch_workers(const LaunchOptions& o, const std::function<void(const std::string&)>& on_message) {
  auto say = [&](const std::string& m) {
    if (on_message) on_message(m);
  };
  if (o.nproc_per_node < 1) throw ConfigError(fmt::format("--nproc-per-node {}: expected at least 1", o.nproc_per_node));
  if (o.nnodes < 1 || o.node_rank < 0 || o.node_rank >= o.nnodes)
    throw ConfigError(fmt::format("--node-rank {} of --nnodes {}: expected 0 <= node rank < nodes", o.node_rank, o.nnodes));
  if (o.nnodes > 1 && o.master_addr.empty())
    throw ConfigError(fmt::format("--nnodes {}: give --master-addr, the address of node 0 (the same on every machine)", o.nnodes));
  if (o.master_port < 1 || o.master_port > 65535) throw ConfigError(fmt::format("--master-port {}: not a port", o.master_port));

  std::vector<std::string> args = own_command_line();
  std::vector<char*> argv = pointers(args);
  fs::path store_dir;
  if (o.master_addr.empty()) {
    std::string pattern = (fs::temp_directory_path() / "vidrep-dist-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw ConfigError(fmt::format("launch: cannot make a temporary folder for the workers' store: {}", std::strerror(errno)));
    store_dir = pattern;
  }
  const int world = o.nnodes * o.nproc_per_node;
  std::map<pid_t, int> running;  // pid -> rank
  struct sigaction action {}, old_int {}, old_term {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  g_signal = 0;
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  const pid_t launcher = ::getpid();
  for (int local = 0; local < o.nproc_per_node; ++local) {
    const int rank = o.node_rank * o.nproc_per_node + local;
    std::map<std::string, std::string> env = {{"RANK", std::to_string(rank)},
                                              {"WORLD_SIZE", std::to_string(world)},
                                              {"LOCAL_RANK", std::to_string(local)},
                                              {"LOCAL_WORLD_SIZE", std::to_string(o.nproc_per_node)},
                                              {"MASTER_PORT", std::to_string(o.master_port)}};
    if (store_dir.empty()) env["MASTER_ADDR"] = o.master_addr;
    else env["VIDREP_STORE_FILE"] = (store_dir / "store").string();
    std::vector<std::string> environment = environment_with(env);
    std::vector<char*> envp = pointers(environment);
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (const auto& [p, r] : running) ::kill(p, SIGKILL);
      throw ConfigError(fmt::format("launch: cannot start worker {}: {}", rank, std::strerror(errno)));
    }
    if (pid == 0) {
      // Only async-signal-safe calls from here to exec.
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) ::_exit(1);
      ::execve("/proc/self/exe", argv.data(), envp.data());
      static const char kFailed[] = "vidrep: launch: cannot run /proc/self/exe\n";
      (void)!::write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
      ::_exit(127);
    }
    running[pid] = rank;
  }

  int result = 0;
  bool stopping = false;
  Clock::time_point stop_at{};
  while (!running.empty()) {
    if (g_signal != 0) {
      const int sig = g_signal;
      g_signal = 0;
      for (const auto& [pid, rank] : running) ::kill(pid, sig);
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid) > 0) {
      const int rank = running[pid];
      running.erase(pid);
      const bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      if (failed && !stopping) {
        result = exit_code(status);
        stopping = true;
        stop_at = Clock::now();
        say(fmt::format("rank {} (pid {}) {}{}", rank, pid, describe(status),
                        running.empty() ? "" : "; stopping the other workers"));
        for (const auto& [p, r] : running) ::kill(p, SIGTERM);
      }
      continue;
    }
    if (stopping && Clock::now() - stop_at > std::chrono::seconds(10)) {
      for (const auto& [p, r] : running) ::kill(p, SIGKILL);
      stop_at = Clock::now() + std::chrono::hours(1);  // once
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (!store_dir.empty()) {
    std::error_code ignored;
    fs::remove_all(store_dir, ignored);
  }
  return result;
}

}  // namespace vidrep
