#!/usr/bin/python3
"""Curation throughput on real footage: input hours per CPU-core-hour of a whole `vidrep curate`
process (video2dataset states about 1), with the stage breakdown.

  /usr/bin/python3 bench/curate/run.py [--set DIR] [--height 720] [--threads N] [--runs 5]

The set (made under build/bench-data/curate-<height>p if missing) is every real video below from
Debian packages, re-encoded by the ffmpeg CLI to H.264 at the given height (even width, aspect
kept; the sources are 240p-720p), audio kept, plus Megamind_bugy.avi as it is (a corrupt file the
run must reject). Core-hours are the process's wall time x the cores it was given (a dedicated
machine), and its CPU time (user + system) for comparison.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDREP = os.path.join(ROOT, "build", "bin", "vidrep")
SOURCES = [
    "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
    "/usr/share/doc/opencv-doc/examples/data/Megamind.avi",
    "/usr/share/doc/opencv-doc/examples/data/tree.avi",
    "/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4",
    "/usr/lib/python3/dist-packages/imageio/resources/images/realshort.mp4",
    "/usr/share/pymecavideo/data/video/balle-jbart.mp4",
    "/usr/share/pymecavideo/data/video/Principe_inertie.avi",
    "/usr/share/pymecavideo/data/video/Force_constante.avi",
]
CORRUPT = "/usr/share/doc/opencv-doc/examples/data/Megamind_bugy.avi"


def make_set(folder, height):
    os.makedirs(folder, exist_ok=True)
    for src in SOURCES:
        if not os.path.exists(src):
            print(f"skipped (not installed): {src}", file=sys.stderr)
            continue
        out = os.path.join(folder, os.path.splitext(os.path.basename(src))[0] + ".mp4")
        if not os.path.exists(out):
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", src, "-vf", f"scale=-2:{height}", "-c:v", "libx264",
                            "-preset", "fast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", out], check=True)
    if os.path.exists(CORRUPT):
        link = os.path.join(folder, os.path.basename(CORRUPT))
        if not os.path.exists(link):
            os.symlink(CORRUPT, link)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=None)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--runs", type=int, default=5, help="whole runs; the median (by wall time) is reported")
    args = ap.parse_args()
    folder = args.set or os.path.join(ROOT, "build", "bench-data", f"curate-{args.height}p")
    make_set(folder, args.height)
    out = os.path.join(ROOT, "build", "bench-data", f"curated-{args.height}p")
    runs = []
    for _ in range(args.runs):
        subprocess.run(["rm", "-rf", out], check=True)
        start = time.perf_counter()
        before = os.times()
        p = subprocess.run([VIDREP, "curate", folder, "--out", out, "--threads", str(args.threads), "--json"],
                           check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        runs.append((wall, cpu, json.loads(p.stdout.strip().splitlines()[-1])))
        print(f"run {len(runs)}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
    wall, cpu, r = sorted(runs, key=lambda x: x[0])[len(runs) // 2]  # the median run by wall time
    hours_in = r["input_seconds"] / 3600
    print(f"{len(os.listdir(folder))} files, {r['input_seconds']:.1f} s of input at {args.height}p: "
          f"{r['accepted']} kept, {r['rejected']} rejected, {r['clips']} clips, {r['duplicates']} duplicates")
    print(f"whole process, median of {len(runs)} runs: {wall:.1f} s wall on {args.threads} threads, {cpu:.1f} s CPU")
    print(f"throughput: {hours_in / (wall * args.threads / 3600):.2f} input hours per core-hour (wall x cores), "
          f"{hours_in / (cpu / 3600):.2f} per CPU-hour (goal >= 10; video2dataset: about 1)")
    stages = {k: v for k, v in r["seconds"].items() if k not in ("staging", "finishing")}
    total = sum(stages.values())
    print("stages (wall seconds of each stage, summed over videos): " +
          ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f} %)" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])) +
          f"; finishing {r['seconds'].get('finishing', 0):.2f} s wall")
    with open(os.path.join(out, "rejected.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            if "clip" not in j:
                print(f"  rejected {os.path.basename(j['source'])}: {j['reason'][:100]}")


if __name__ == "__main__":
    sys.exit(main())
