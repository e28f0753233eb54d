#!/usr/bin/python3
"""Spacetime-patch cost: vidrep's patchify against copying the same bytes and against the same
patchify written in PyTorch Python (view -> permute -> contiguous), same threads, same shapes.
Prints a table of medians (ms) and the ratios the README quotes.

  bench/tokens.py [--runs N] [--threads N] [--bin build/bin]
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python_patchify(x, pt, ph, pw):
    t, h, w, c = x.shape
    return (x.view(t // pt, pt, h // ph, ph, w // pw, pw, c)
            .permute(0, 2, 4, 1, 3, 5, 6).contiguous().view(-1, pt * ph * pw * c))


def median_ms(runs, job):
    job()  # warm-up, as the C++ side does
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        job()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # The same malloc settings as vidrep_bench_tokens: freed blocks are reused, not unmapped.
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD

    out = subprocess.run([os.path.join(args.bin, "vidrep_bench_tokens"), str(args.runs), str(args.threads)],
                         check=True, capture_output=True, text=True).stdout
    print(f"medians of {args.runs} runs, {args.threads} threads, times in ms")
    print("| clip | patch | MB | memcpy | clone | vidrep patchify | / clone | PyTorch patchify | vidrep / PyTorch "
          "| vidrep unpatchify |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for line in out.splitlines():
        r = json.loads(line)
        dtype = torch.uint8 if r["dtype"] == "Byte" else torch.float32
        x = (torch.randint(0, 256, r["shape"], dtype=dtype) if dtype == torch.uint8
             else torch.rand(r["shape"], dtype=dtype))
        pt, ph, pw = r["patch"]
        py_ms = median_ms(args.runs, lambda: python_patchify(x, pt, ph, pw))
        shape = "x".join(map(str, r["shape"]))
        dtype_name = "uint8" if dtype == torch.uint8 else "float32"
        print(f"| {shape} {dtype_name} | {pt}x{ph}x{pw} | {r['mb']:.1f} | {r['memcpy_ms']:.2f} | {r['clone_ms']:.2f} "
              f"| {r['patchify_ms']:.2f} | {r['patchify_vs_clone']:.2f}x | {py_ms:.2f} "
              f"| {r['patchify_ms'] / py_ms:.2f}x | {r['unpatchify_ms']:.2f} |")


if __name__ == "__main__":
    main()
