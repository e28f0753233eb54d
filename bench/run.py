#!/usr/bin/python3
"""vidrep's I/O benchmark against the peers a user would pick instead, on the same files in the
same run. Prints medians of several runs and the ratios the README quotes.

  bench/run.py [--runs N] [--skip-memory]

Inputs are generated once under build/bench-data with the ffmpeg CLI:
  720p60s.mp4    60 s 1280x720 30 fps H.264, GOP 250, 3 B-frames (testsrc2 + light noise)
  360p_1min.mp4 / 360p_10min.mp4   the same content at 640x360, for the memory check
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
DATA = os.path.join(ROOT, "build", "bench-data")
PY = "/usr/bin/python3"
THREADS = 2
SIZE = "112x112"


def make_input(name, size, seconds):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        print(f"generating {name} ...", flush=True)
        tmp = path + ".tmp.mp4"
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i",
                        f"testsrc2=size={size}:rate=30,noise=alls=6:allf=t", "-t", str(seconds),
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "250",
                        "-keyint_min", "250", "-sc_threshold", "0", "-bf", "3", "-pix_fmt", "yuv420p",
                        tmp], check=True)
        os.rename(tmp, path)
    return path


def run(cmd, timeout=120, attempts=3):
    """Runs cmd; returns (wall seconds of the whole process, parsed key=value output). A process
    that hangs (PyAV 10's frame threads deadlock now and then after a seek) is killed after
    `timeout` seconds and run again, and the retry is reported."""
    for _ in range(attempts):
        t0 = time.perf_counter()
        try:
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout).stdout
        except subprocess.TimeoutExpired:
            print(f"  (hung for {timeout} s, killed and run again: {' '.join(cmd[:3])} ...)", flush=True)
            continue
        wall = time.perf_counter() - t0
        return wall, dict(re.findall(r"(\w+)=([\d.]+)", out))
    raise RuntimeError(f"hung {attempts} times: {' '.join(cmd)}")


def interleaved(runs, jobs):
    """Runs each (name, cmd) of `jobs` once per round, `runs` rounds, so that a host whose speed
    drifts from one minute to the next slows every job alike. Returns, per name, the median wall
    time, the medians of its numeric key=value output fields, and its last output."""
    walls = {name: [] for name, _ in jobs}
    fields = {name: [] for name, _ in jobs}
    for _ in range(runs):
        for name, cmd in jobs:
            wall, out = run(cmd)
            walls[name].append(wall)
            fields[name].append(out)
    result = {}
    for name, _ in jobs:
        keys = fields[name][-1].keys()
        medians = {k: statistics.median(float(f[k]) for f in fields[name]) for k in keys}
        result[name] = (statistics.median(walls[name]), medians, fields[name][-1])
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    video = make_input("720p60s.mp4", "1280x720", 60)
    vidrep = os.path.join(BIN, "vidrep_bench_io")
    print(f"input: {video}; {THREADS} threads; medians of {args.runs} runs\n")

    # 1. Every frame at 112x112 RGB. Whole-process wall time for everyone, and for vidrep also the
    #    library call alone (what a training pipeline pays per video, the process already started).
    cli = os.path.join(BIN, "vidrep")
    out_npy = os.path.join(os.path.dirname(video), "bench_out.npy")
    r = interleaved(args.runs, [
        ("floor", ["ffmpeg", "-v", "error", "-threads", str(THREADS), "-i", video, "-f", "null", "-"]),
        ("ff_scale", ["ffmpeg", "-v", "error", "-threads", str(THREADS), "-i", video,
                      "-vf", "scale=112:112", "-pix_fmt", "rgb24", "-f", "null", "-"]),
        ("ours", [vidrep, "all", video, SIZE, str(THREADS)]),
        # What a user measures with `time`: the vidrep command itself, its .npy written.
        ("cli", [cli, "frames", video, "--range", "0:", "--size", SIZE, "--threads", str(THREADS), "--out", out_npy]),
        ("pyav", [PY, os.path.join(ROOT, "bench/peers/pyav_read.py"), "all", video, SIZE, str(THREADS)]),
        ("cv", [PY, os.path.join(ROOT, "bench/peers/opencv_read.py"), "all", video, SIZE, str(THREADS)]),
    ])
    floor, ff_scale, ours, ours_cli, pyav, cv = (r[k][0] for k in ("floor", "ff_scale", "ours", "cli", "pyav", "cv"))
    ours_job, fields = r["ours"][1]["seconds"], r["ours"][2]
    print(f"all {fields.get('frames')} frames -> {SIZE} RGB (wall s; the jobs interleaved, round by round)")
    print(f"  ffmpeg decode floor (-f null)     {floor:7.3f}   1.00x")
    print(f"  ffmpeg decode+scale+rgb24          {ff_scale:7.3f}   {ff_scale / floor:.2f}x floor")
    print(f"  vidrep_bench_io, whole process     {ours:7.3f}   {ours / floor:.2f}x floor   (the I/O core, no .npy)")
    print(f"  vidrep, open + read (library call) {ours_job:7.3f}   {ours_job / floor:.2f}x floor")
    print(f"  vidrep frames CLI, whole process   {ours_cli:7.3f}   {ours_cli / floor:.2f}x floor   (.npy written)")
    print(f"  PyAV (thread_type AUTO)            {pyav:7.3f}   {pyav / floor:.2f}x floor   vidrep/PyAV {ours_cli / pyav:.2f}")
    print(f"  OpenCV (read + resize + cvtColor)  {cv:7.3f}   {cv / floor:.2f}x floor   vidrep/OpenCV {ours_cli / cv:.2f}")

    # 2. 8 random clips of 16 frames at 112x112: time inside the job (library load excluded).
    rng = random.Random(2024)
    total = int(fields["frames"])
    starts = ",".join(str(rng.randrange(0, total - 16)) for _ in range(8))
    clip_args = ["clips", video, SIZE, str(THREADS), "16", starts]
    # The same frames as whole processes too: `vidrep frames --indices` (the CLI's clips pick their
    # own starts) against the PyAV script's whole run.
    indices = ",".join(str(int(s) + k) for s in starts.split(",") for k in range(16))
    r = interleaved(args.runs, [
        ("ours", [vidrep] + clip_args),
        ("pyav", [PY, os.path.join(ROOT, "bench/peers/pyav_read.py")] + clip_args),
        ("cli", [cli, "frames", video, "--indices", indices, "--size", SIZE, "--threads", str(THREADS), "--out", out_npy]),
    ])
    ours_c, cfields, pyav_c = r["ours"][1]["seconds"], r["ours"][2], r["pyav"][1]["seconds"]
    ours_cp, pyav_cp = r["cli"][0], r["pyav"][0]
    print(f"\n8 random clips x 16 frames -> {SIZE} (starts {starts}; in-process s)")
    print(f"  vidrep  {ours_c:7.3f}   decoded {cfields.get('decoded')} frames, {cfields.get('seeks')} seeks")
    print(f"  PyAV    {pyav_c:7.3f}   vidrep/PyAV {ours_c / pyav_c:.2f}")
    print(f"  as whole processes: vidrep frames CLI {ours_cp:7.3f}, PyAV script {pyav_cp:7.3f}   "
          f"vidrep/PyAV {ours_cp / pyav_cp:.2f}")

    # 3. Peak memory while sampling clips: 1-minute vs 10-minute file of the same content.
    if not args.skip_memory:
        print("\npeak RSS sampling 8 clips x 16 frames at 112x112")
        for name, seconds in (("360p_1min.mp4", 60), ("360p_10min.mp4", 600)):
            path = make_input(name, "640x360", seconds)
            _, f = run([vidrep, "clips", path, SIZE, str(THREADS), "16",
                        ",".join(str(30 * seconds * k // 9) for k in range(8))])
            print(f"  {name:16s} {float(f['peak_rss_mb']):7.1f} MB")


if __name__ == "__main__":
    sys.exit(main())
