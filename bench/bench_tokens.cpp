// Times patchify / unpatchify against copying the same bytes, for bench/tokens.py. One JSON line
// per clip shape with medians over RUNS runs, in milliseconds:
//   vidrep_bench_tokens [RUNS=9] [THREADS=2]
// clone: at::Tensor::clone() (allocates, like patchify does); memcpy: std::memcpy into a buffer
// allocated once (the floor). patchify's ratio is taken against clone.
// malloc keeps freed blocks (no mmap per tensor), as in a loader's steady state: otherwise every
// run of every job pays fresh page faults and the timings measure the kernel's page zeroing.
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/tokens/patchify.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <malloc.h>
#include <string>
#include <vector>

namespace {

// Medians of the jobs' times, the jobs taking turns within each run so that a busy moment on the
// machine hits all of them alike.
std::vector<double> median_ms(int runs, const std::vector<std::function<void()>>& jobs) {
  std::vector<std::vector<double>> ms(jobs.size());
  for (int r = -1; r < runs; ++r) {  // run -1 is a warm-up: first-touch page faults, lazy init
    for (size_t j = 0; j < jobs.size(); ++j) {
      const auto t0 = std::chrono::steady_clock::now();
      jobs[j]();
      if (r >= 0) ms[j].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::vector<double> medians;
  for (auto& m : ms) {
    std::sort(m.begin(), m.end());
    medians.push_back(m[m.size() / 2]);
  }
  return medians;
}

struct Case {
  std::vector<int64_t> shape;
  at::ScalarType dtype;
  vidrep::PatchSize patch;
};

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const int runs = argc > 1 ? std::stoi(argv[1]) : 9;
  const int threads = vidrep::set_num_threads(argc > 2 ? std::stoi(argv[2]) : 2);
  const std::vector<Case> cases = {
      {{16, 224, 224, 3}, at::kFloat, {2, 16, 16}},
      {{16, 720, 1280, 3}, at::kByte, {2, 16, 16}},
      {{16, 720, 1280, 3}, at::kFloat, {2, 16, 16}},
      {{16, 224, 224, 3}, at::kFloat, {1, 14, 14}},
  };
  at::manual_seed(0);
  for (const Case& c : cases) {
    const at::Tensor clip = c.dtype == at::kByte ? at::randint(0, 256, c.shape, at::kByte) : at::rand(c.shape);
    at::Tensor sink = at::empty_like(clip);
    // Results are dropped at once, as in bench/tokens.py, so each job reuses one freed block.
    const vidrep::Array array = vidrep::to_array(clip, "clip");
    const vidrep::Patches p = vidrep::patchify(array, c.patch);
    const std::vector<double> ms = median_ms(runs, {
        [&] { (void)clip.clone(); },
        [&] { std::memcpy(sink.data_ptr(), clip.data_ptr(), clip.nbytes()); },
        [&] { (void)vidrep::patchify(array, c.patch); },
        [&] { (void)vidrep::unpatchify(p); },
    });
    const double clone = ms[0], memcpy = ms[1], patchify = ms[2], unpatchify = ms[3];
    if (!at::equal(vidrep::to_tensor(vidrep::unpatchify(p)), clip)) {
      fmt::print(stderr, "vidrep_bench_tokens: round trip mismatch\n");
      return 1;
    }
    const nlohmann::json j = {
        {"shape", c.shape}, {"dtype", std::string(at::toString(c.dtype))}, {"patch", {c.patch.t, c.patch.h, c.patch.w}},
        {"mb", clip.nbytes() / 1e6}, {"threads", threads}, {"runs", runs},
        {"clone_ms", clone}, {"memcpy_ms", memcpy}, {"patchify_ms", patchify}, {"unpatchify_ms", unpatchify},
        {"patchify_vs_clone", patchify / clone}};
    fmt::print("{}\n", j.dump());
  }
  return 0;
}
