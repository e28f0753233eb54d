// Process-wide compute settings. LibTorch defaults to one thread on this platform, so every entry
// point (CLI command, benchmark, test) sets the count explicitly through here.
#pragma once

#include <cstdint>

namespace vidrep {

// Sets LibTorch's intra-op thread count; n <= 0 means one per hardware core. Returns the count used.
// Also flushes denormal floats to zero on those threads (x86 computes with them in slow microcode).
int set_num_threads(int n);

// One per hardware core (at least 1).
int hardware_threads();

// Bytes of physical memory on this machine.
int64_t physical_memory_bytes();

}  // namespace vidrep
