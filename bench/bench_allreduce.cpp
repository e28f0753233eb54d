// The all-reduce under data-parallel training (train/distributed.h: c10d's ProcessGroupGloo over
// a FileStore), between `--world` processes on this machine: latency (small messages) and
// bandwidth (large ones), the figures bench/distributed.py projects scaling from.
//
//   vidrep_bench_allreduce [--world 2] [--reps 20] [--steps 100]
//
// One JSON line per message size (rank 0): bytes, median ms, algorithm bandwidth (bytes / time)
// and bus bandwidth (x 2(W-1)/W, what each link carries in a ring all-reduce), in GB/s. Then a
// training-like loop without data: `--steps` of the same fixed compute on every rank (one
// thread, about 40 ms here), each followed by a 1 MB all-reduce, and the share of the time spent
// in the all-reduce: what this machine's scheduling alone costs a step, whatever the network.
#include "vidrep/runtime.h"
#include "vidrep/train/distributed.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int world = 2, reps = 20, steps = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--world") world = std::atoi(argv[i + 1]);
    else if (flag == "--reps") reps = std::atoi(argv[i + 1]);
    else if (flag == "--steps") steps = std::atoi(argv[i + 1]);
    else {
      fmt::print(stderr, "usage: vidrep_bench_allreduce [--world N] [--reps N] [--steps N]\n");
      return 2;
    }
  }
  namespace fs = std::filesystem;
  const fs::path store = fs::temp_directory_path() / fmt::format("vidrep-allreduce-{}", ::getpid());
  fs::remove(store);
  // Fork before LibTorch starts any thread.
  int rank = 0;
  std::vector<pid_t> children;
  for (int r = 1; r < world; ++r) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      rank = r;
      children.clear();
      break;
    }
    children.push_back(pid);
  }
  vidrep::init_process();
  vidrep::set_num_threads(1);
  vidrep::DistributedOptions o;
  o.rank = rank;
  o.world = world;
  o.store_file = store.string();
  {
    vidrep::DistributedGroup group(o);
    for (int64_t bytes = 4; bytes <= (int64_t{64} << 20); bytes *= 4) {
      at::Tensor t = torch::ones({bytes / 4}, torch::kFloat);
      std::vector<double> ms;
      for (int k = 0; k < reps + 3; ++k) {
        group.barrier("bench");
        const auto start = std::chrono::steady_clock::now();
        group.all_reduce_sum(t, "bench");
        const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (k >= 3) ms.push_back(took);  // the first ones warm the connections up
      }
      std::sort(ms.begin(), ms.end());
      // Each repetition starts together (the barrier), so rank 0's time is the collective's.
      const double median = ms[ms.size() / 2];
      if (rank == 0) {
        const double algbw = static_cast<double>(bytes) / (median / 1e3) / 1e9;
        fmt::print("{}\n", nlohmann::json{{"world", world},
                                          {"bytes", bytes},
                                          {"ms", median},
                                          {"algbw_gbps", algbw},
                                          {"busbw_gbps", algbw * 2.0 * (world - 1) / world}}
                               .dump());
        std::fflush(stdout);
      }
    }
    // The same work on every rank, then the all-reduce a step ends with.
    const at::Tensor a = torch::randn({384, 384});
    at::Tensor gradients = torch::zeros({1 << 18}, torch::kFloat);  // 1 MB
    group.barrier("bench");
    double waited = 0;
    const auto begin = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s) {
      at::Tensor x = a;
      for (int k = 0; k < 20; ++k) x = at::tanh(at::mm(x, a) * 0.01);
      const auto start = std::chrono::steady_clock::now();
      group.all_reduce_sum(gradients, "bench");
      waited += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    if (rank == 0)
      fmt::print("{}\n", nlohmann::json{{"world", world},
                                        {"steps", steps},
                                        {"step_ms", 1e3 * total / steps},
                                        {"allreduce_ms", 1e3 * waited / steps},
                                        {"allreduce_share", waited / total}}
                             .dump());
  }
  for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
  if (rank == 0) fs::remove(store);
  return 0;
}
