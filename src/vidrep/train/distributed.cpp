#define USE_C10D_GLOO 1
#include "vidrep/train/distributed.h"

#include "vidrep/error.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vidrep {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

Millis millis(double seconds) { return Millis(static_cast<int64_t>(seconds * 1000)); }

// The first line of a message (Gloo and c10 append backtraces).
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// An integer environment variable, or `fallback` when unset.
int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  int value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) throw ConfigError(fmt::format("{}={}: expected a whole number", name, text));
  return value;
}

std::string env_text(const char* name) {
  const char* text = std::getenv(name);
  return text == nullptr ? std::string() : std::string(text);
}

// Slurm's SLURM_STEP_TASKS_PER_NODE ("2(x3),1"): the first node's count.
int first_count(const std::string& tasks_per_node) {
  int value = 0;
  std::from_chars(tasks_per_node.data(), tasks_per_node.data() + tasks_per_node.size(), value);
  return value;
}

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

// This machine's IPv4 address on the route to `host` (a UDP socket "connected" there sends
// nothing), so Gloo listens where the other machines reach it.
std::string local_address_towards(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr)
    throw ConfigError(fmt::format("MASTER_ADDR {}: cannot resolve that host", host));
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  socklen_t length = sizeof local;
  const bool ok = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0;
  ::freeaddrinfo(found);
  if (fd >= 0) ::close(fd);
  if (!ok) throw ConfigError(fmt::format("MASTER_ADDR {}: no route to that host from this machine", host));
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
  return text;
}

std::shared_ptr<::gloo::transport::Device> make_device(const DistributedOptions& o) {
  const std::string interface = env_text("GLOO_SOCKET_IFNAME");
  if (!interface.empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (o.master_addr.empty() || loopback(o.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDeviceForHostname(local_address_towards(o.master_addr, o.master_port));
}

std::vector<uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

}  // namespace

DistributedOptions distributed_from_environment() {
  DistributedOptions o;
  if (!env_text("RANK").empty() || !env_text("WORLD_SIZE").empty()) {
    o.rank = env_int("RANK", 0);
    o.world = env_int("WORLD_SIZE", 1);
    o.local_rank = env_int("LOCAL_RANK", o.rank);
    o.local_world = env_int("LOCAL_WORLD_SIZE", o.world);
  } else if (!env_text("SLURM_PROCID").empty() && !env_text("SLURM_STEP_NUM_TASKS").empty()) {
    // A task of an srun step (a batch script's own shell has SLURM_NTASKS but no step: it is one
    // process, not a worker).
    o.rank = env_int("SLURM_PROCID", 0);
    o.world = env_int("SLURM_STEP_NUM_TASKS", 1);
    o.local_rank = env_int("SLURM_LOCALID", 0);
    const int nodes = env_int("SLURM_STEP_NUM_NODES", 1);
    o.local_world = nodes == 1 ? o.world : std::max(1, first_count(env_text("SLURM_STEP_TASKS_PER_NODE")));
    if (env_text("MASTER_ADDR").empty() && nodes > 1 && o.world > 1)
      throw ConfigError(fmt::format("srun over {} nodes: set MASTER_ADDR to the first node's address "
                                    "(e.g. $(scontrol show hostnames $SLURM_NODELIST | head -1))", nodes));
    if (env_text("MASTER_ADDR").empty()) o.master_addr = "127.0.0.1";
  } else {
    return o;
  }
  if (!env_text("MASTER_ADDR").empty()) o.master_addr = env_text("MASTER_ADDR");
  o.master_port = env_int("MASTER_PORT", o.master_port);
  o.store_file = env_text("VIDREP_STORE_FILE");
  if (o.world < 1 || o.rank < 0 || o.rank >= o.world)
    throw ConfigError(fmt::format("rank {} of world size {}: expected 0 <= RANK < WORLD_SIZE", o.rank, o.world));
  if (o.local_world < 1 || o.local_rank < 0 || o.local_rank >= o.local_world)
    throw ConfigError(fmt::format("local rank {} of {} on this machine: expected 0 <= LOCAL_RANK < LOCAL_WORLD_SIZE",
                                  o.local_rank, o.local_world));
  if (o.master_port < 1 || o.master_port > 65535) throw ConfigError(fmt::format("MASTER_PORT {}: not a port", o.master_port));
  if (o.world > 1 && o.master_addr.empty() && o.store_file.empty())
    throw ConfigError(fmt::format("rank {} of {}: MASTER_ADDR is not set (the address of rank 0's machine)", o.rank, o.world));
  return o;
}

int worker_threads(int threads, const DistributedOptions& options) {
  if (threads > 0) return threads;
  return std::max(1, hardware_threads() / std::max(1, options.local_world));
}

struct DistributedGroup::Impl {
  DistributedOptions o;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::thread heartbeat;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  // Set by the heartbeat thread: when each rank's heartbeat last changed (or it said it is done),
  // and the ranks silent for longer than heartbeat_timeout_seconds.
  std::vector<Clock::time_point> changed;
  std::vector<int> gone;
  std::string gone_reason;

  std::string key(const char* kind, int rank) const { return fmt::format("vidrep/{}/{}", kind, rank); }

  std::string gone_text() {
    std::lock_guard lock(mu);
    if (gone.empty()) return "";
    return fmt::format("rank {} {}", fmt::join(gone, ", rank "), gone_reason);
  }

  // The ranks whose heartbeat has not changed for `seconds`.
  std::vector<int> silent_for(double seconds) {
    std::lock_guard lock(mu);
    std::vector<int> out;
    for (int r = 0; r < o.world; ++r)
      if (r != o.rank && Clock::now() - changed[static_cast<size_t>(r)] > millis(seconds)) out.push_back(r);
    return out;
  }

  void beat() {
    const auto period = millis(o.heartbeat_seconds);
    const auto limit = millis(o.heartbeat_timeout_seconds);
    std::vector<int64_t> last(static_cast<size_t>(o.world), -1);
    auto store_ok = Clock::now();
    auto seen_now = [&](int r) {
      std::lock_guard lock(mu);
      changed[static_cast<size_t>(r)] = Clock::now();
    };
    for (int64_t count = 1;; ++count) {
      try {
        store->set(key("alive", o.rank), bytes_of(std::to_string(count)));
        for (int r = 0; r < o.world; ++r) {
          if (r == o.rank || store->check({key("done", r)})) {
            seen_now(r);
            continue;
          }
          if (!store->check({key("alive", r)})) continue;
          const std::vector<uint8_t> value = store->get(key("alive", r));
          const int64_t seen = std::stoll(std::string(value.begin(), value.end()));
          if (seen != last[static_cast<size_t>(r)]) {
            last[static_cast<size_t>(r)] = seen;
            seen_now(r);
          }
        }
        store_ok = Clock::now();
      } catch (const std::exception&) {
        // The store is rank 0's TCP server (or a file): unreachable, rank 0 counts as silent
        // since the store last answered.
        std::lock_guard lock(mu);
        changed[0] = std::min(changed[0], store_ok);
      }
      const std::vector<int> silent = silent_for(o.heartbeat_timeout_seconds);
      std::unique_lock lock(mu);
      if (!silent.empty() && gone.empty()) {
        gone = silent;
        gone_reason = fmt::format("has not answered for {:.0f} s (killed, stopped, or its machine is gone)",
                                  o.heartbeat_timeout_seconds);
      }
      if (wake.wait_for(lock, period, [&] { return stopping; })) return;
    }
  }

  // Waits for `work`, a slice at a time, so that a rank gone silent ends the wait (Gloo alone
  // would wait for its whole timeout on a stopped peer).
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) {
    try {
      while (true) {
        try {
          work->wait(millis(std::max(0.05, o.heartbeat_seconds)));
          return;
        } catch (const std::exception&) {
          if (work->isCompleted()) throw;
        }
        const std::string silent = gone_text();
        if (!silent.empty()) throw ConfigError(fmt::format("rank {}: {}: {}; stopping", o.rank, what, silent));
      }
    } catch (const ConfigError&) {
      throw;
    } catch (const std::exception& e) {
      // A peer that died resets its connections at once: its heartbeat stops, which a few
      // periods show.
      std::this_thread::sleep_for(millis(3 * o.heartbeat_seconds));
      const std::vector<int> silent = silent_for(2.5 * o.heartbeat_seconds);
      throw ConfigError(fmt::format("rank {}: {} failed: {}{}", o.rank, what, first_line(e.what()),
                                    silent.empty() ? " (another rank failed; see its messages)"
                                                   : fmt::format("; rank {} stopped answering", fmt::join(silent, ", rank "))));
    }
  }
};

struct DistributedGroup::Pending::State {
  Impl* impl = nullptr;
  c10::intrusive_ptr<c10d::Work> work;
  std::string what;
};

void DistributedGroup::Pending::wait() {
  if (state_ && state_->work) state_->impl->wait(state_->work, state_->what);
}

DistributedGroup::DistributedGroup(const DistributedOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.o = options;
  const auto timeout = millis(options.timeout_seconds);
  const std::string where = options.store_file.empty() ? fmt::format("{}:{}", options.master_addr, options.master_port)
                                                       : options.store_file;
  try {
    if (!options.store_file.empty()) {
      m.store = c10::make_intrusive<c10d::FileStore>(options.store_file, options.world);
    } else {
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(options.master_port);
      so.isServer = options.rank == 0;
      so.numWorkers = options.world;
      so.waitWorkers = true;
      so.timeout = timeout;
      m.store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, so);
    }
    m.store->setTimeout(timeout);
  } catch (const std::exception& e) {
    throw ConfigError(fmt::format("rank {} of {}: cannot {} the store at {}: {}", options.rank, options.world,
                                  options.rank == 0 ? "serve" : "reach", where, first_line(e.what())));
  }
  try {
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    gloo->devices.push_back(make_device(options));
    gloo->threads = 1;
    m.group = c10::make_intrusive<c10d::ProcessGroupGloo>(m.store, options.rank, options.world, gloo);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError(fmt::format("rank {} of {}: the workers did not all meet within {:.0f} s (store {}): {}",
                                  options.rank, options.world, options.timeout_seconds, where, first_line(e.what())));
  }
  m.changed.assign(static_cast<size_t>(options.world), Clock::now());
  m.heartbeat = std::thread([&m] { m.beat(); });
}

DistributedGroup::~DistributedGroup() {
  Impl& m = *impl_;
  const bool failing = std::uncaught_exceptions() > 0 || !m.gone_text().empty();
  try {
    if (!failing) m.store->set(m.key("done", m.o.rank), bytes_of("1"));
  } catch (const std::exception&) {
  }
  {
    std::lock_guard lock(m.mu);
    m.stopping = true;
  }
  m.wake.notify_all();
  m.heartbeat.join();
  if (failing) {
    // Gloo's threads may still wait on a silent peer, and joining them would wait out its
    // timeout: the process is ending with an error, so they are left to it.
    (void)m.group.release();
    (void)m.store.release();
    return;
  }
  try {
    m.wait(m.group->barrier(), "the closing barrier");
  } catch (const std::exception&) {
  }
}

int DistributedGroup::rank() const { return impl_->o.rank; }
int DistributedGroup::world() const { return impl_->o.world; }

void DistributedGroup::all_reduce_sum(at::Tensor& t, const std::string& what) {
  std::vector<at::Tensor> tensors{t};
  impl_->wait(impl_->group->allreduce(tensors), what);
}

DistributedGroup::Pending DistributedGroup::all_reduce_sum_async(at::Tensor t, const std::string& what) {
  std::vector<at::Tensor> tensors{std::move(t)};
  auto state = std::make_shared<Pending::State>();
  state->impl = impl_.get();
  state->work = impl_->group->allreduce(tensors);
  state->what = what;
  return Pending(std::move(state));
}

std::vector<double> DistributedGroup::sum(const std::vector<double>& values, const std::string& what) {
  at::Tensor t = torch::tensor(values, torch::kDouble);
  all_reduce_sum(t, what);
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

at::Tensor DistributedGroup::all_gather_rows(const at::Tensor& rows, const std::string& what) {
  const int world = impl_->o.world;
  std::vector<at::Tensor> counts_in{torch::tensor({rows.size(0)}, torch::kLong)};
  std::vector<std::vector<at::Tensor>> counts_out(1);
  for (int r = 0; r < world; ++r) counts_out[0].push_back(torch::zeros({1}, torch::kLong));
  impl_->wait(impl_->group->allgather(counts_out, counts_in), what);
  int64_t most = 0;
  for (const auto& c : counts_out[0]) most = std::max(most, c.item<int64_t>());
  std::vector<int64_t> shape = rows.sizes().vec();
  shape[0] = most;
  std::vector<at::Tensor> in{torch::zeros(shape, rows.options())};
  if (rows.size(0) > 0) in[0].slice(0, 0, rows.size(0)).copy_(rows);
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world; ++r) out[0].push_back(torch::empty(shape, rows.options()));
  impl_->wait(impl_->group->allgather(out, in), what);
  std::vector<at::Tensor> parts;
  for (int r = 0; r < world; ++r) parts.push_back(out[0][static_cast<size_t>(r)].slice(0, 0, counts_out[0][static_cast<size_t>(r)].item<int64_t>()));
  return torch::cat(parts);
}

void DistributedGroup::broadcast(at::Tensor& t, int root, const std::string& what) {
  std::vector<at::Tensor> tensors{t};
  c10d::BroadcastOptions bo;
  bo.rootRank = root;
  impl_->wait(impl_->group->broadcast(tensors, bo), what);
}

void DistributedGroup::barrier(const std::string& what) { impl_->wait(impl_->group->barrier(), what); }

void DistributedGroup::require_same(const std::string& what, const std::string& text) {
  const at::Tensor mine = torch::from_blob(const_cast<char*>(text.data()), {static_cast<int64_t>(text.size())}, torch::kUInt8).clone();
  const at::Tensor lengths = all_gather_rows(torch::tensor({static_cast<int64_t>(text.size())}, torch::kLong), what);
  const at::Tensor all = all_gather_rows(mine, what);
  std::vector<std::string> texts;
  int64_t at = 0;
  for (int r = 0; r < impl_->o.world; ++r) {
    const int64_t n = lengths[r].item<int64_t>();
    const auto* p = all.data_ptr<uint8_t>() + at;
    texts.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    at += n;
  }
  for (int r = 1; r < impl_->o.world; ++r) {
    if (texts[static_cast<size_t>(r)] == texts[0]) continue;
    // The first line that differs.
    size_t line = 0, start = 0;
    const std::string& a = texts[0];
    const std::string& b = texts[static_cast<size_t>(r)];
    while (true) {
      const size_t end_a = a.find('\n', start), end_b = b.find('\n', start);
      const std::string la = a.substr(start, end_a == std::string::npos ? std::string::npos : end_a - start);
      const std::string lb = b.substr(start, end_b == std::string::npos ? std::string::npos : end_b - start);
      if (la != lb || end_a == std::string::npos || end_b == std::string::npos) {
        throw ConfigError(fmt::format("rank {}'s {} differs from rank 0's (line {}: '{}' there, '{}' on rank 0); start "
                                      "every worker with the same command and data", r, what, line + 1, lb, la));
      }
      start = end_a + 1;
      ++line;
    }
  }
}

}  // namespace vidrep
