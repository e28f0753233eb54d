// Process-wide runtime settings, for any front end (the CLI, a Python module, a benchmark):
// memory, signals, OpenMP and thread counts. LibTorch defaults to one thread on this platform, so
// every entry point (CLI command, benchmark, test) sets the count explicitly through here.
//
//   int main(int argc, char** argv) {
//     vidrep::init_process();
//     if (runs_networks) vidrep::restart_with_passive_openmp(argv);
//     vidrep::set_num_threads(0);
#pragma once

#include <cstdint>

namespace vidrep {

// Once, first thing in a process:
// - glibc hands every block above its mmap threshold (a few MiB) straight back to the kernel on
//   free, and trims the heap's free top, so each batch's activations and decoded frames come back
//   as fresh pages that the kernel faults in and zeroes again. Freed memory stays in the heap
//   instead (measured: `ae eval` of 192 clips 9.2 -> 4.8 s, system time 10 -> 0.6 s; an `ae train`
//   epoch 23.9 -> 21.5 s); the process keeps its peak size until it exits.
// - A file-size limit (`ulimit -f`) kills a process with SIGXFSZ by default, leaving its temporary
//   output behind. Ignored, the write fails with EFBIG, reported like a full disk.
void init_process();

// LibTorch's OpenMP threads spin for a while after each parallel region; while a network trains,
// that spinning takes the cores the data loader's decoding threads need (measured: 40 instead of
// 205 clips/s on 2 busy cores). libgomp reads its wait policy only when it loads, so a process
// that runs networks restarts itself once (execv of /proc/self/exe with `argv`) with
// OMP_WAIT_POLICY=PASSIVE, unless the variable is set; returns only when it did not restart. A
// front end that loads libgomp later (Python, before `import torch`) sets the variable instead.
void restart_with_passive_openmp(char** argv);

// Sets LibTorch's intra-op thread count (runtime_torch.cpp: not in the I/O core); n <= 0 means one per hardware core. Returns the count used.
// Also flushes denormal floats to zero on those threads (x86 computes with them in slow microcode).
int set_num_threads(int n);

// One per hardware core (at least 1).
int hardware_threads();

// Bytes of physical memory on this machine.
int64_t physical_memory_bytes();

}  // namespace vidrep
