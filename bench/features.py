#!/usr/bin/python3
"""Handcrafted-feature throughput: vidrep's FeatureExtractor against OpenCV doing the motion and
colour parts (Farneback dense flow + flow statistics, cv2 HSV histograms + NumPy colour moments) on
the same 16-frame 112x112 clips. Prints medians of several runs, clips/s and ratios, and how well
the two agree (per-clip mean flow, HSV histograms).

  bench/features.py [--bin build/bin] [--runs N] [--threads N] [--clips K]

Input, generated once under build/bench-data: 20 s of testsrc2 at 320x240 30 fps plus light
noise (H.264), cut by `vidrep clips --sampler regular --size 112x112` into K clips of 16 frames.
"""
import argparse
import os
import re
import statistics
import subprocess
import time

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "build", "bench-data")
FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)


def make_clips(bin_dir, count):
    os.makedirs(DATA, exist_ok=True)
    video = os.path.join(DATA, "features_src.mp4")
    if not os.path.exists(video):
        tmp = video + ".tmp.mp4"
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=30,noise=alls=6:allf=t", "-t", "20",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", tmp], check=True)
        os.rename(tmp, video)
    clips = os.path.join(DATA, f"features_clips_{count}.npy")
    if not os.path.exists(clips):
        subprocess.run([os.path.join(bin_dir, "vidrep"), "clips", video, "--sampler", "regular",
                        "--clips", str(count), "--length", "16", "--size", "112x112", "--out", clips],
                       check=True, capture_output=True)
    return clips


def vidrep_once(bin_dir, clips, threads, extra, out=None):
    """One vidrep_bench_features process: (clips/s of the extraction, descriptor length)."""
    cmd = [os.path.join(bin_dir, "vidrep_bench_features"), clips, str(threads)] + extra
    if out:
        cmd += ["--out", out]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    fields = dict(re.findall(r"(\w+)=([\d.]+)", text))
    return float(fields["clips_per_s"]), int(fields["dim"])


def cv_colour(clip):
    """Joint 8x4x4 HSV histogram (fractions of pixels) and colour moments of one RGB clip."""
    hist = np.zeros((8, 4, 4), np.float64)
    for frame in clip:
        hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV_FULL)  # hue 0..255 over the full circle
        hist += cv2.calcHist([hsv], [0, 1, 2], None, [8, 4, 4], [0, 256, 0, 256, 0, 256])
    hist /= clip.shape[0] * clip.shape[1] * clip.shape[2]
    x = clip.reshape(-1, 3).astype(np.float64) / 255
    mean = x.mean(0)
    centred = x - mean
    third = np.cbrt((centred ** 3).mean(0))
    return np.concatenate([hist.ravel(), mean, centred.std(0), third])


def cv_motion(clip):
    """Frame differences and Farneback flow statistics of one RGB clip (as vidrep's motion groups)."""
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in clip]
    diff_abs = diff_sq = 0.0
    mag_sum = mag_sq = dx = dy = 0.0
    direction = np.zeros(8)
    for a, b in zip(grey[:-1], grey[1:]):
        d = a.astype(np.float32) - b.astype(np.float32)
        diff_abs += np.abs(d).mean() / 255
        diff_sq += (d * d).mean() / 255 ** 2
        flow = cv2.calcOpticalFlowFarneback(a, b, None, **FARNEBACK)
        mag, ang = cv2.cartToPolar(flow[..., 0], flow[..., 1])
        mag_sum += mag.mean()
        mag_sq += (mag * mag).mean()
        dx += flow[..., 0].mean()
        dy += flow[..., 1].mean()
        bins = np.floor(ang / (np.pi / 4) + 0.5).astype(np.int64) % 8
        direction += np.bincount(bins.ravel(), weights=mag.ravel(), minlength=8) / mag.size
    n = len(grey) - 1
    mean_mag = mag_sum / n
    std = np.sqrt(max(mag_sq / n - mean_mag ** 2, 0))
    return np.array([diff_abs / n, diff_sq / n, mean_mag, std, dx / n, dy / n, *(direction / n)])


def cv_run(clips, parts, runs):
    rates, rows = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = [np.concatenate([part(c) for part in parts]) for c in clips]
        rates.append(len(clips) / (time.perf_counter() - t0))
    return statistics.median(rates), np.array(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clips", type=int, default=32)
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    clips_path = make_clips(args.bin, args.clips)
    clips = np.load(clips_path)
    print(f"{clips.shape[0]} clips of {clips.shape[1]} frames at {clips.shape[3]}x{clips.shape[2]}, "
          f"{args.threads} threads, medians of {args.runs} runs")

    stpp = ["--stpp", "1,2,4", "--temporal", "1,2"]
    jobs = [("all kinds, global pooling", [], None),
            ("all kinds, STPP 1,2,4 x temporal 1,2", stpp, None),
            ("colour (color_hist, color_moments)", ["--kinds", "color_hist,color_moments"], "colour"),
            ("motion (frame diff + dense flow)", ["--kinds", "motion"], "motion"),
            ("colour + motion", ["--kinds", "color_hist,color_moments,motion"], "both")]
    peers = {"colour": [cv_colour], "motion": [cv_motion], "both": [cv_colour, cv_motion]}
    descriptors = os.path.join(DATA, "features_vidrep.npy")
    # Round-robin over the jobs, so a change in the machine's load hits every job alike.
    rates = {name: [] for name, _, _ in jobs}
    dims = {}
    for _ in range(args.runs):
        for name, extra, peer in jobs:
            rate, dims[name] = vidrep_once(args.bin, clips_path, args.threads, extra,
                                           descriptors if peer == "both" else None)
            rates[name].append(rate)
    ours = {}
    for name, _, peer in jobs:
        ours[peer] = statistics.median(rates[name])
        print(f"vidrep {name}: {ours[peer]:.1f} clips/s (D={dims[name]})")
    for peer in ("colour", "motion", "both"):
        rate, rows = cv_run(clips, peers[peer], args.runs)
        print(f"OpenCV {peer}: {rate:.1f} clips/s; vidrep/OpenCV = {ours[peer] / rate:.2f}x")

    # Agreement on the colour + motion job (vidrep columns: 128 hist, 9 moments, 2 diff, 4 flow, 8 dir).
    v = np.load(descriptors)
    print(f"HSV histogram L1 distance, vidrep vs OpenCV: mean {np.abs(v[:, :128] - rows[:, :128]).sum(1).mean():.3f} "
          "(of 2; hue rounding to bytes in cv2 moves pixels at bin edges)")
    print(f"colour moments max |difference|: {np.abs(v[:, 128:137] - rows[:, 128:137]).max():.2e}")
    for i, name in ((139, "mean |flow|"), (141, "mean dx"), (142, "mean dy")):
        r = np.corrcoef(v[:, i], rows[:, i])[0, 1]
        print(f"{name}: vidrep {v[:, i].mean():.3f} vs Farneback {rows[:, i].mean():.3f} px/frame "
              f"(mean over clips), per-clip correlation {r:.3f}")


if __name__ == "__main__":
    main()
