// Times a transform pipeline on a batch of clips, for bench/transform.py to compare with PyTorch
// and OpenCV doing the same preprocessing on the same input. Prints one line:
//   "median_seconds=<s> min_seconds=<s> cpu_seconds=<s> runs=<n> shape=KxTxHxWxC"
// cpu_seconds (median CPU time of all threads per run) is steadier than wall time on a busy machine.
//   vidrep_bench_transform INPUT.npy SPEC THREADS RUNS [OUT.npy]
// INPUT is uint8 [K,T,H,W,3]; OUT (optional) receives the last result, to check agreement.
#include "vidrep/io/npy.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/transform/pipeline.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>
#include <vector>

namespace {

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 5) {
    std::fprintf(stderr, "usage: vidrep_bench_transform INPUT.npy SPEC THREADS RUNS [OUT.npy]\n");
    return 2;
  }
  const std::string input = argv[1], spec = argv[2];
  vidrep::set_num_threads(std::stoi(argv[3]));
  const int runs = std::max(1, std::stoi(argv[4]));
  const at::Tensor clips = vidrep::to_tensor(vidrep::io::load_npy(input));
  const auto pipeline = vidrep::transform::Pipeline::parse(spec);

  at::Tensor out = pipeline.apply_batch(clips, 0);  // warm-up: first-touch allocations, thread pool
  std::vector<double> seconds, cpu;
  for (int i = 0; i < runs; ++i) {
    const double c0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    out = pipeline.apply_batch(clips, static_cast<uint64_t>(i));
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(cpu_now() - c0);
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpu.begin(), cpu.end());
  if (argc > 5) vidrep::io::save_npy(argv[5], vidrep::to_array(out));
  std::string shape;
  for (int64_t d : out.sizes()) {
    if (!shape.empty()) shape += 'x';
    shape += std::to_string(d);
  }
  fmt::print("median_seconds={:.5f} min_seconds={:.5f} cpu_seconds={:.5f} runs={} shape={}\n",
             seconds[seconds.size() / 2], seconds[0], cpu[cpu.size() / 2], runs, shape);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "vidrep_bench_transform: %s\n", e.what());
  return 1;
}
