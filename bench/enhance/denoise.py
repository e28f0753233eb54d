#!/usr/bin/python3
"""Denoising on real footage with added Gaussian noise: `vidrep enhance --denoise` against ffmpeg's
hqdn3d and nlmeans filters (defaults and tuned), in the same run, on the same files.

  /usr/bin/python3 bench/enhance/denoise.py [--frames N] [--sigmas 15,25] [--clips a.mp4,b.avi]

Clips: the first N frames of real videos from Debian packages at their own size, as yuv420p. Noise:
N(0, sigma^2) added to every Y, U and V sample (numpy, fixed seed), clipped to 0..255, stored
losslessly (FFV1). Every denoiser writes losslessly too (FFV1; vidrep: libx264 --crf 0), so the
scores are the denoiser's alone: PSNR and SSIM against the clean clip from ffmpeg's own psnr and
ssim filters (all planes). Time: the whole process (decode, filter, encode), one run each (nlmeans
takes seconds per frame), with the same threads (all cores) for everyone.

Tuning, for every tuned entry, on a clip that is not in the test set (Principe_inertie.avi from
python3-mecavideo): nlmeans' strength s, hqdn3d's luma_spatial (the other three scaled as its
defaults are), vidrep's --strength; the value with the best PSNR at each sigma is then used on the
test clips. vidrep is also run with --denoise auto (it measures the noise itself).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDREP = os.path.join(ROOT, "build", "bin", "vidrep")
CLIPS = [
    "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
    "/usr/share/doc/opencv-doc/examples/data/Megamind.avi",
    "/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4",
    "/usr/share/pymecavideo/data/video/balle-jbart.mp4",
]
TUNING_CLIP = "/usr/share/pymecavideo/data/video/Principe_inertie.avi"


def sh(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def size_of(path):
    out = sh(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
              "-of", "csv=p=0", path]).stdout.strip().split(",")
    return int(out[0]), int(out[1])


def make_pair(src, frames, sigma, folder):
    """clean.mkv and noisy.mkv (FFV1, yuv420p) of the first `frames` frames of `src`."""
    w, h = size_of(src)
    w, h = w - w % 2, h - h % 2
    name = os.path.splitext(os.path.basename(src))[0]
    clean = os.path.join(folder, f"{name}-clean.mkv")
    noisy = os.path.join(folder, f"{name}-noisy{sigma}.mkv")
    raw = sh_bytes(["ffmpeg", "-v", "error", "-i", src, "-frames:v", str(frames), "-vf", f"crop={w}:{h}:0:0",
                    "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"])
    if not os.path.exists(clean):
        write_raw(raw, w, h, clean)
    rng = np.random.default_rng(1000 + sigma)
    pixels = np.frombuffer(raw, np.uint8).astype(np.float32)
    pixels += rng.normal(0, sigma, pixels.shape).astype(np.float32)
    write_raw(np.clip(np.rint(pixels), 0, 255).astype(np.uint8).tobytes(), w, h, noisy)
    return clean, noisy, (w, h)


def sh_bytes(cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def write_raw(raw, w, h, path):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}", "-r", "25",
                    "-i", "-", "-c:v", "ffv1", path], input=raw, check=True)


def scores(out, clean):
    log = subprocess.run(["ffmpeg", "-v", "info", "-i", out, "-i", clean, "-lavfi",
                          "[0:v][1:v]psnr=shortest=1;[0:v][1:v]ssim=shortest=1", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    psnr = float(re.search(r"PSNR .*average:([0-9.]+)", log).group(1))
    ssim = float(re.search(r"SSIM .*All:([0-9.]+)", log).group(1))
    return psnr, ssim


def run(method, value, noisy, sigma, folder):
    """(output path, seconds) of one denoiser."""
    out = os.path.join(folder, f"out-{method}.mkv")
    if method.startswith("vidrep"):
        denoise = "auto" if method == "vidrep-auto" else str(sigma)
        cmd = [VIDREP, "enhance", noisy, "--out", out, "--denoise", denoise, "--crf", "0", "--no-audio"]
        if value is not None:
            cmd += ["--strength", str(value)]
    else:
        flt = {"nlmeans": "nlmeans" if value is None else f"nlmeans=s={value}",
               "hqdn3d": "hqdn3d" if value is None else hqdn3d(value)}[method.split("-")[0]]
        cmd = ["ffmpeg", "-v", "error", "-y", "-i", noisy, "-vf", flt, "-c:v", "ffv1", out]
    start = time.perf_counter()
    sh(cmd)
    return out, time.perf_counter() - start


def hqdn3d(luma_spatial):
    # hqdn3d's defaults are 4:3:6:4.5; the other three follow luma_spatial in those proportions.
    return f"hqdn3d={luma_spatial}:{0.75 * luma_spatial}:{1.5 * luma_spatial}:{1.125 * luma_spatial}"


GRIDS = {
    "nlmeans-tuned": lambda s: [round(s * f, 1) for f in (0.5, 0.75, 1.0, 1.2) if s * f <= 30],
    "hqdn3d-tuned": lambda s: [4, 8, 12, 16, 24],
    "vidrep-tuned": lambda s: [0.35, 0.45, 0.6],
}


def tune(frames, sigma, folder):
    clean, noisy, _ = make_pair(TUNING_CLIP, frames, sigma, folder)
    chosen = {}
    for method, grid in GRIDS.items():
        best = None
        for value in grid(sigma):
            out, _ = run(method, value, noisy, sigma, folder)
            p, _ = scores(out, clean)
            if best is None or p > best[1]:
                best = (value, p)
        chosen[method] = best[0]
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--sigmas", default="15,25")
    ap.add_argument("--clips", default=",".join(CLIPS))
    args = ap.parse_args()
    sigmas = [int(s) for s in args.sigmas.split(",")]
    methods = ["vidrep", "vidrep-auto", "vidrep-tuned", "hqdn3d", "hqdn3d-tuned", "nlmeans", "nlmeans-tuned"]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for sigma in sigmas:
            chosen = tune(args.frames, sigma, folder)
            print(f"sigma {sigma}: tuned on {os.path.basename(TUNING_CLIP)}: " +
                  ", ".join(f"{m} {v}" for m, v in chosen.items()), flush=True)
            for src in args.clips.split(","):
                clean, noisy, (w, h) = make_pair(src, args.frames, sigma, folder)
                base = scores(noisy, clean)
                print(f"  {os.path.basename(src)} {w}x{h} x{args.frames}: noisy PSNR {base[0]:.2f} SSIM {base[1]:.3f}")
                for m in methods:
                    out, secs = run(m, chosen.get(m), noisy, sigma, folder)
                    p, s = scores(out, clean)
                    rows.append((sigma, src, m, p, s, secs))
                    print(f"    {m:14s} PSNR {p:6.2f}  SSIM {s:.3f}  {secs:7.2f} s  {args.frames / secs:6.2f} fps", flush=True)
    print("\nmedians over clips (PSNR dB, SSIM, seconds); ratios against nlmeans-tuned on each clip:")
    for sigma in sigmas:
        print(f"sigma {sigma}:")
        for m in methods:
            mine = [r for r in rows if r[0] == sigma and r[2] == m]
            ref = {r[1]: r for r in rows if r[0] == sigma and r[2] == "nlmeans-tuned"}
            dp = statistics.median(r[3] - ref[r[1]][3] for r in mine)
            speed = statistics.median(ref[r[1]][5] / r[5] for r in mine)
            print(f"  {m:14s} PSNR {statistics.median(r[3] for r in mine):6.2f} ({dp:+.2f} vs nlmeans-tuned)  "
                  f"SSIM {statistics.median(r[4] for r in mine):.3f}  speed {speed:5.2f}x nlmeans-tuned")


if __name__ == "__main__":
    sys.exit(main())
