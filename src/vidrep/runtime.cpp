#include "vidrep/runtime.h"

#include <ATen/Parallel.h>

#include <thread>

namespace vidrep {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int set_num_threads(int n) {
  const int count = n > 0 ? n : hardware_threads();
  at::set_num_threads(count);
  return count;
}

}  // namespace vidrep
