#!/usr/bin/python3
"""Training throughput: vidrep's c3d, vit and autoencoder (LibTorch C++) against the identical
networks in Python (python/vidrep/models.py, Debian's python3-torch), same threads, same in-memory
random batches, forward + backward + AdamW step. Then the end-to-end epoch from mp4 files (vidrep train
on the default `vidrep synth --kind motion` dataset) against the in-memory step rate.

  bench/train.py [--bin build/bin] [--runs N] [--threads N] [--batch B] [--steps S] [--archs c3d,vit,ae] [--no-files]

Prints medians of N runs, clips/s and ratios (> 1: vidrep faster).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

# Both sides run with passive OpenMP threads, as `vidrep train` does (see src/cli/main.cpp); it must
# be set before torch (and libgomp) load.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The networks alone (the file needs torch only), without the package's extension module.
sys.path.insert(0, os.path.join(ROOT, "python", "vidrep"))
import models as vidrep_models  # noqa: E402

DATA = os.path.join(ROOT, "build", "bench-data")


def python_clips_per_s(arch, threads, batch, steps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if arch == "ae":
        net = vidrep_models.build_autoencoder({})
        c = net.config
        video = torch.rand(batch, 3, c.frames, c.height, c.width)

        def loss():
            return (net(video) - video).pow(2).mean()
    else:
        net = vidrep_models.build({"arch": arch, "num_classes": 4})
        c = net.config
        video = torch.randn(batch, 3, c.frames, c.height, c.width)
        audio = torch.randn(batch, c.mel_frames, c.mel_bins)
        labels = torch.randint(4, (batch,))

        def loss():
            return torch.nn.functional.cross_entropy(net(video, audio)[0], labels)
    net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss().backward()
        opt.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def vidrep_clips_per_s(bin_dir, arch, threads, batch, steps):
    out = subprocess.run([os.path.join(bin_dir, "vidrep_bench_models"), "--threads", str(threads), "--batch", str(batch),
                          "--steps", str(steps), arch], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["clips_per_s"]


def epoch_from_files(bin_dir, threads, batch, epochs=3):
    data = os.path.join(DATA, "train_motion")
    if not os.path.exists(data):
        subprocess.run([os.path.join(bin_dir, "vidrep"), "synth", "--kind", "motion", "--out", data], check=True,
                       capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        run = os.path.join(tmp, "run")
        subprocess.run([os.path.join(bin_dir, "vidrep"), "train", "--data", data, "--model", "c3d", "--epochs",
                        str(epochs), "--batch", str(batch), "--threads", str(threads), "--patience", "0", "--out", run],
                       check=True, capture_output=True)
        with open(os.path.join(run, "metrics.jsonl")) as f:
            lines = [json.loads(line) for line in f if line.strip()]
    # Epoch 1 decodes every file (and generates oneDNN's kernels); later epochs reuse the loader's
    # cache of decoded clips (the synth videos are one clip long).
    return lines[0]["clips_per_second"], statistics.median(line["clips_per_second"] for line in lines[1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--archs", default="c3d,vit,ae", help="networks to time (comma-separated)")
    ap.add_argument("--no-files", action="store_true", help="skip the end-to-end epoch from mp4 files")
    args = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)

    print(f"training step, batch {args.batch}, 16x32x32 clips (ae: 9x32x32), {args.threads} threads, median of {args.runs} runs")
    in_memory = {}
    for arch in args.archs.split(","):
        v, p = [], []
        for _ in range(args.runs):  # interleaved so that machine noise hits both alike
            v.append(vidrep_clips_per_s(args.bin, arch, args.threads, args.batch, args.steps))
            p.append(python_clips_per_s(arch, args.threads, args.batch, args.steps))
        mv, mp = statistics.median(v), statistics.median(p)
        in_memory[arch] = mv
        print(f"  {arch:4}  vidrep {mv:7.1f} clips/s   python torch {mp:7.1f} clips/s   ratio {mv / mp:.2f}x")

    if args.no_files or "c3d" not in in_memory:
        return
    files = [epoch_from_files(args.bin, args.threads, args.batch) for _ in range(max(1, args.runs // 2))]
    first, later = statistics.median(f[0] for f in files), statistics.median(f[1] for f in files)
    print(f"epoch from mp4 files (c3d, vidrep train, loader included), time / in-memory step time:\n"
          f"  first epoch (decoding every file) {first:.1f} clips/s = {in_memory['c3d'] / first:.2f}x\n"
          f"  later epochs (decoded clips cached) {later:.1f} clips/s = {in_memory['c3d'] / later:.2f}x")


if __name__ == "__main__":
    main()
