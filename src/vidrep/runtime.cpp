#include "vidrep/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <thread>

#include <unistd.h>

namespace vidrep {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : INT64_MAX;
}

int set_num_threads(int n) {
  const int count = n > 0 ? n : hardware_threads();
  at::set_num_threads(count);
  // Near convergence, weights and gradients can underflow into denormal floats, which x86
  // computes in slow microcode. The flag is per thread: set it on the caller and on every OpenMP
  // worker LibTorch will use.
  at::globalContext().setFlushDenormal(true);
#pragma omp parallel num_threads(count)
  at::globalContext().setFlushDenormal(true);
  return count;
}

}  // namespace vidrep
