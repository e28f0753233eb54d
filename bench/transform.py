#!/usr/bin/python3
"""vidrep's transform pipeline against PyTorch and OpenCV doing the same preprocessing.

  bench/transform.py [--clips K] [--runs N] [--threads N] [--bin build/bin]

Pipeline: resize_short=128,center_crop=112,normalize=imagenet on K clips of 16 frames of
1280x720 uint8 (uniform noise from a fixed seed, written once to build/bench-data so all three
read the same bytes). Each side times only the preprocessing, in process, after one warm-up run,
with the same thread count. The sides take turns for --rounds rounds (so a load change on the
machine hits all of them alike); each round keeps the median of --runs runs, and the figure is the
median over rounds. Output [K,16,112,112,3] float32 everywhere.

  vidrep   build/bin/vidrep_bench_transform: the uint8 antialiased resize kernel computing only the
           cropped window (resize + crop fused), then normalize; also shown unfused
  PyTorch  permute + float() + F.interpolate(bilinear, antialias=True) + crop + normalize
  OpenCV   cv2.resize(INTER_AREA, its antialiased shrink) per frame + crop + NumPy normalize;
           INTER_LINEAR (2 taps, aliased at this 5.6x shrink) is shown for reference only
"""
import argparse
import os
import re
import statistics
import subprocess
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
DATA = os.path.join(ROOT, "build", "bench-data")
SPEC = "resize_short=128,center_crop=112,normalize=imagenet"
# The same with an identity step (to_uint8 on uint8 is a copy) between resize and crop, so the
# pipeline cannot fuse them: what the resize kernel alone is worth.
SPEC_UNFUSED = "resize_short=128,to_uint8,center_crop=112,normalize=imagenet"
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
SHORT, CROP = 128, 112


def make_input(clips):
    path = os.path.join(DATA, f"transform_{clips}x16x720x1280.npy")
    if not os.path.exists(path):
        os.makedirs(DATA, exist_ok=True)
        x = np.random.default_rng(0).integers(0, 256, (clips, 16, 720, 1280, 3), dtype=np.uint8)
        np.save(path + ".tmp.npy", x)
        os.rename(path + ".tmp.npy", path)
    return path


def sizes(h, w):
    """torchvision's Resize(int) size and CenterCrop offsets (Python round: half to even)."""
    nh, nw = (SHORT, int(SHORT * w / h)) if h <= w else (int(SHORT * h / w), SHORT)
    return nh, nw, int(round((nh - CROP) / 2.0)), int(round((nw - CROP) / 2.0))


def time_runs(fn, runs):
    out = fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def torch_pipeline(torch, x):
    import torch.nn.functional as F
    k, t, h, w, c = x.shape
    nh, nw, top, left = sizes(h, w)
    mean = torch.from_numpy(MEAN).view(1, 3, 1, 1)
    std = torch.from_numpy(STD).view(1, 3, 1, 1)
    y = x.view(k * t, h, w, c).permute(0, 3, 1, 2).float()
    y = F.interpolate(y, size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)
    y = y[:, :, top:top + CROP, left:left + CROP]
    y = (y / 255.0 - mean) / std
    return y.permute(0, 2, 3, 1).reshape(k, t, CROP, CROP, c).contiguous()


def opencv_pipeline(cv2, x, interpolation):
    k, t, h, w, c = x.shape
    nh, nw, top, left = sizes(h, w)
    crops = np.empty((k, t, CROP, CROP, c), np.uint8)
    for i in range(k):
        for j in range(t):
            crops[i, j] = cv2.resize(x[i, j], (nw, nh), interpolation=interpolation)[top:top + CROP, left:left + CROP]
    return (crops.astype(np.float32) / 255.0 - MEAN) / STD


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default=BIN, help="folder holding vidrep_bench_transform")
    args = ap.parse_args()
    path = make_input(args.clips)
    x = np.load(path)
    print(f"input {x.shape} uint8, pipeline {SPEC}, {args.threads} threads, "
          f"median of {args.rounds} rounds x {args.runs} runs")

    out_path = os.path.join(DATA, "transform_vidrep_out.npy")
    def run_vidrep(spec, out=None):
        cmd = [os.path.join(args.bin, "vidrep_bench_transform"), path, spec, str(args.threads), str(args.runs)]
        res = subprocess.run(cmd + ([out] if out else []), check=True, capture_output=True, text=True).stdout
        return float(re.search(r"median_seconds=([\d.]+)", res).group(1)), None

    import torch
    torch.set_num_threads(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    xt = torch.from_numpy(x)
    sides = {
        "vidrep": lambda: run_vidrep(SPEC, out_path),
        "unfused": lambda: run_vidrep(SPEC_UNFUSED),
        "torch": lambda: time_runs(lambda: torch_pipeline(torch, xt), args.runs),
        "area": lambda: time_runs(lambda: opencv_pipeline(cv2, x, cv2.INTER_AREA), args.runs),
        "linear": lambda: time_runs(lambda: opencv_pipeline(cv2, x, cv2.INTER_LINEAR), args.runs),
    }
    times = {name: [] for name in sides}
    outputs = {}
    for _ in range(args.rounds):
        for name, fn in sides.items():
            seconds, out = fn()
            times[name].append(seconds)
            outputs[name] = out
    vidrep_s, unfused_s, torch_s, area_s, linear_s = (
        statistics.median(times[n]) for n in ("vidrep", "unfused", "torch", "area", "linear"))
    ours = np.load(out_path)
    torch_out = outputs["torch"].numpy()
    area_out = outputs["area"]

    frames = x.shape[0] * x.shape[1]
    level = 1.0 / 255.0 / STD.min()  # one uint8 level in normalised units
    rows = [
        ("vidrep (library call)", vidrep_s),
        ("vidrep, resize and crop kept apart (no fusion)", unfused_s),
        ("PyTorch F.interpolate(antialias=True)", torch_s),
        ("OpenCV resize INTER_AREA + NumPy", area_s),
        ("OpenCV resize INTER_LINEAR + NumPy (aliased, reference only)", linear_s),
    ]
    print(f"{'job':62s} {'batch':>9s} {'per clip':>9s} {'vs vidrep':>9s}")
    for name, s in rows:
        print(f"{name:62s} {s * 1e3:7.1f}ms {s * 1e3 / x.shape[0]:7.1f}ms {s / vidrep_s:8.2f}x")
    print(f"frames per second: vidrep {frames / vidrep_s:.0f}, PyTorch {frames / torch_s:.0f}, "
          f"OpenCV area {frames / area_s:.0f}")
    print(f"agreement: vidrep vs PyTorch max |diff| {np.abs(ours - torch_out).max() / level:.2f} uint8 levels; "
          f"vs OpenCV INTER_AREA (box filter, not triangle) mean |diff| "
          f"{np.abs(ours - area_out).mean() / level:.2f} levels")


if __name__ == "__main__":
    main()
