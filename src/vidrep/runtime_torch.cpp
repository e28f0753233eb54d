// The runtime settings that belong to LibTorch (runtime.h), apart so that the I/O core links
// without it.
#include "vidrep/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

namespace vidrep {

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
