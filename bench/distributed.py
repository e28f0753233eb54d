#!/usr/bin/python3
"""Data-parallel training on this machine: 1 process x 2 threads against 2 processes x 1 thread
(`vidrep train --nproc-per-node 2`), with the gradient all-reduce overlapping backward (the
default) and after it (VIDREP_GRADIENT_OVERLAP=0); then the all-reduce's latency and bandwidth
(build/bin/vidrep_bench_allreduce) and a projection of scaling to 8 and 64 machines.

  bench/distributed.py [--bin build/bin] [--runs 3] [--model c3d] [--epochs 6] [--target 0.9]

Data: `vidrep synth --kind motion` (the default set) under build/bench-data/motion. The jobs run
interleaved, one of each per round. Per job: clips/s (median over the epochs after the first,
which also decodes), seconds to the first epoch at --target val accuracy, and for the distributed
jobs the share of training time spent waiting for the all-reduce after backward ended.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "build", "bench-data", "motion")


def metrics(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def train(vidrep, args, out, nproc, overlap=True):
    cmd = [vidrep, "train", "--data", DATA, "--model", args.model, "--epochs", str(args.epochs), "--patience", "0",
           "--seed", "1", "--json", "--out", out]
    cmd += ["--nproc-per-node", str(nproc)] if nproc > 1 else ["--threads", "2"]
    env = dict(os.environ)
    env["VIDREP_GRADIENT_OVERLAP"] = "1" if overlap else "0"
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    lines = metrics(out)
    speed = statistics.median(j["clips_per_second"] for j in lines[1:]) if len(lines) > 1 else lines[0]["clips_per_second"]
    elapsed, to_target = 0.0, None
    for j in lines:
        elapsed += j["seconds"]
        if to_target is None and j.get("val_accuracy", 0) >= args.target:
            to_target = elapsed
    wait = sum(j.get("allreduce_wait_seconds", 0) for j in lines[1:])
    busy = sum(j.get("train_seconds", 0) for j in lines[1:])
    steps = sum(j.get("steps", 0) for j in lines[1:])
    return {"clips_per_s": speed, "to_target_s": to_target, "wait_share": wait / busy if busy else 0.0,
            "wait_ms_per_step": 1e3 * wait / steps if steps else 0.0,
            "gradient_bytes": lines[-1].get("gradient_bytes", 0), "step_ms": 1e3 * busy / steps if steps else 0.0}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--model", default="c3d")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--target", type=float, default=0.9)
    args = p.parse_args()
    vidrep = os.path.join(args.bin, "vidrep")
    if not os.path.exists(os.path.join(DATA, "train.txt")):
        subprocess.run([vidrep, "synth", "--kind", "motion", "--out", DATA], check=True, stdout=subprocess.DEVNULL)
    jobs = {"1 process x 2 threads": (1, True), "2 processes, overlap": (2, True),
            "2 processes, after backward": (2, False)}
    results = {name: [] for name in jobs}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.runs):
            for k, (name, (nproc, overlap)) in enumerate(jobs.items()):
                results[name].append(train(vidrep, args, os.path.join(tmp, f"{r}-{k}"), nproc, overlap))
    base = statistics.median(x["clips_per_s"] for x in results["1 process x 2 threads"])
    print(f"{args.model}, {args.epochs} epochs, medians of {args.runs} interleaved runs")
    for name, rs in results.items():
        speed = statistics.median(x["clips_per_s"] for x in rs)
        targets = [x["to_target_s"] for x in rs if x["to_target_s"] is not None]
        target = f"{statistics.median(targets):.1f} s" if targets else "not reached"
        line = f"{name:26s} {speed:7.1f} clips/s  {speed / base:5.2f}x  to {args.target:.0%} val acc: {target}"
        if "processes" in name:
            line += (f"  all-reduce wait {statistics.median(x['wait_share'] for x in rs):.1%} of training"
                     f" ({statistics.median(x['wait_ms_per_step'] for x in rs):.2f} ms of a"
                     f" {statistics.median(x['step_ms'] for x in rs):.1f} ms step;"
                     f" {rs[0]['gradient_bytes'] / 1e6:.2f} MB of gradients, "
                     f"{rs[0]['gradient_bytes'] / 1e6 / statistics.median(x['wait_ms_per_step'] for x in rs):.2f} GB/s over the wait)")
        print(line)
    grad = results["2 processes, overlap"][0]["gradient_bytes"]
    step_ms = statistics.median(x["step_ms"] for x in results["2 processes, overlap"])
    if not os.path.exists(os.path.join(args.bin, "vidrep_bench_allreduce")):
        print("(build vidrep_bench_allreduce for the all-reduce latency, bandwidth and projection: scripts/setup.sh bench)")
        return
    out = subprocess.run([os.path.join(args.bin, "vidrep_bench_allreduce"), "--world", "2"], check=True,
                         capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    sizes = [j for j in lines if "bytes" in j]
    floor = next(j for j in lines if "allreduce_share" in j)
    print("all-reduce between 2 processes (Gloo, loopback):")
    for s in sizes:
        print(f"  {s['bytes']:>10d} B  {s['ms']:8.3f} ms  bus {s['busbw_gbps']:6.2f} GB/s")
    print(f"the same fixed work on both ranks ({floor['step_ms']:.1f} ms a step, no data) and a 1 MB all-reduce: "
          f"{floor['allreduce_ms']:.2f} ms of waiting a step, {floor['allreduce_share']:.1%}: this machine's floor")
    latency = sizes[0]["ms"] / 1e3
    bandwidth = max(s["busbw_gbps"] for s in sizes) * 1e9
    # Ring all-reduce: 2(W-1) latency hops and 2(W-1)/W of the bytes over each link.
    print(f"projection for {grad / 1e6:.2f} MB of gradients per step of {step_ms:.1f} ms, from the measured "
          f"latency {latency * 1e3:.3f} ms and bus bandwidth {bandwidth / 1e9:.2f} GB/s (the machines' network "
          f"will be slower than loopback: the line below also gives 1 GB/s):")
    # Overlap hides the all-reduce only behind the backward still running when a bucket is ready:
    # gradients that fit the first 1 MB bucket (c3d's) start only when backward has ended.
    one_bucket = grad <= 1 << 20
    step = step_ms / 1e3
    for world in (8, 64):
        for bw in (bandwidth, 1e9):
            t = 2 * (world - 1) * latency + 2 * (world - 1) / world * grad / bw
            hidden = 0.0 if one_bucket else min(t, step * 0.5)  # backward: about half the step
            print(f"  {world:3d} machines at {bw / 1e9:5.2f} GB/s: all-reduce {t * 1e3:7.2f} ms a step; "
                  f"efficiency {step / (step + t - hidden):.0%}"
                  + (" (one bucket: nothing to overlap)" if one_bucket else " (with overlap)"))
    print("(the projection leaves out the ranks' skew: the measured wait above, less the all-reduce's own time)")

if __name__ == "__main__":
    main()
