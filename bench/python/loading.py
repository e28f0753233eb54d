#!/usr/bin/python3
"""The Python module against the peers a Python user would pick (PyAV, OpenCV), same files, same
run, interleaved rounds, medians.

  bench/python/loading.py [--runs N] [--videos N...]

1. 8 random 16-frame clips at 112x112 from a 60 s 720p H.264 file (bench/run.py's input), in
   one process each: vidrep.VideoReader + read_clips, PyAV (seek to the key frame before each
   clip, decode forward, to_ndarray at 112x112), OpenCV (CAP_PROP_POS_FRAMES, read, resize).
   Exactness: vidrep's frames at native size equal the ffmpeg CLI's
   (`select=eq(n\\,I)`, `-fps_mode passthrough`, rgb24), and PyAV's are the same frames.
2. A training-style epoch through torch.utils.data.DataLoader (batch 8, 2 worker processes,
   one decoder thread each): vidrep.VideoDataset against a PyAV Dataset doing the same work (a
   random 16-frame clip at 112x112 per video, float32 [3,16,112,112] in [0,1]), on epochs of 48
   videos (--videos 48 480: also 480), and the DataLoader alone (a Dataset of zeros): its worker start-up and
   transfers are a fixed cost of every epoch, whichever Dataset.
Prints seconds and ratios (> 1: vidrep faster). Needs build/python (scripts/setup.sh build) and
python3-av, python3-opencv (scripts/setup.sh bench installs them).
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "build", "python"))
from run import DATA, make_input  # noqa: E402

PY = "/usr/bin/python3"
SIZE = 112
LENGTH = 16


# ---- the jobs, each run in its own process: `loading.py job NAME ARGS...` prints seconds=... ----

def pyav_clip(container, stream, start, length, size=None):
    tb, rate = stream.time_base, stream.average_rate
    first, last = int(round(start / rate / tb)), int(round((start + length - 1) / rate / tb))
    container.seek(first, stream=stream, backward=True, any_frame=False)
    frames = []
    for packet in container.demux(stream):
        for frame in packet.decode():
            if frame.pts is None or frame.pts < first:
                continue
            if frame.pts > last:
                return frames
            if size:
                frames.append(frame.to_ndarray(width=size, height=size, format="rgb24"))
            else:
                frames.append(frame.to_ndarray(format="rgb24"))
    return frames


def job_clips(tool, path, starts):
    starts = [int(s) for s in starts.split(",")]
    # Imports first: the in-process time is the reading alone (`import vidrep` imports torch,
    # which takes a second or two; the whole-process time includes it).
    import numpy as np
    if tool == "vidrep":
        import vidrep
    elif tool == "pyav":
        import av
    else:
        import cv2
    t0 = time.perf_counter()
    if tool == "vidrep":
        reader = vidrep.VideoReader(path, size=SIZE, threads=2)
        x = vidrep.read_clips(reader, [list(range(s, s + LENGTH)) for s in starts])
        n = x.shape[0] * x.shape[1]
    elif tool == "pyav":
        container = av.open(path)
        stream = container.streams.video[0]
        stream.thread_type, stream.thread_count = "AUTO", 2
        x = np.stack([np.stack(pyav_clip(container, stream, s, LENGTH, SIZE)) for s in starts])
        n = x.shape[0] * x.shape[1]
        container.close()
    else:
        cv2.setNumThreads(2)
        cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
        clips = []
        for s in starts:
            cap.set(cv2.CAP_PROP_POS_FRAMES, s)
            frames = []
            for _ in range(LENGTH):
                ok, frame = cap.read()
                frames.append(cv2.cvtColor(cv2.resize(frame, (SIZE, SIZE), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB))
            clips.append(np.stack(frames))
        n = len(clips) * LENGTH
    print(f"seconds={time.perf_counter() - t0:.4f} frames={n}")


def job_epoch(tool, folder, workers):
    import torch

    torch.manual_seed(0)
    if tool == "vidrep":
        import vidrep

        dataset = vidrep.VideoDataset(folder, clip_len=LENGTH, size=SIZE, decoder_threads=1)
    elif tool == "pyav":
        dataset = PyavDataset(folder)
    else:
        dataset = ZerosDataset(len(PyavDataset(folder)))
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, num_workers=int(workers))
    t0 = time.perf_counter()
    clips = sum(batch["video"].shape[0] for batch in loader)
    print(f"seconds={time.perf_counter() - t0:.4f} clips={clips}")


class ZerosDataset:
    """The DataLoader's own cost: samples of the same shape made of nothing."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        import torch

        return {"video": torch.zeros(3, LENGTH, SIZE, SIZE), "label": i % 2}


class PyavDataset:
    """What a PyAV user writes: every video of DIR/train/<class>/, a random 16-frame clip each."""

    def __init__(self, folder):
        root = os.path.join(folder, "train")
        self.classes = sorted(os.listdir(root))
        self.items = [(os.path.join(root, c, f), k) for k, c in enumerate(self.classes) for f in sorted(os.listdir(os.path.join(root, c)))]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        import av
        import numpy as np
        import torch

        path, label = self.items[i]
        with av.open(path) as container:
            stream = container.streams.video[0]
            stream.thread_count = 1
            frames_total = stream.frames
            start = int(torch.randint(0, max(1, frames_total - LENGTH + 1), (1,)))
            clip = np.stack(pyav_clip(container, stream, start, LENGTH, SIZE))
        video = torch.from_numpy(clip).permute(3, 0, 1, 2).float().div_(255)
        return {"video": video, "label": label}


# ---- the driver ----

def timed(cmd, expect=None):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "python"), OMP_WAIT_POLICY="PASSIVE")
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=600).stdout
    wall = time.perf_counter() - t0
    if expect and expect not in out:
        sys.exit(f"{' '.join(cmd)}: expected {expect} in its output, got {out.strip()}")
    return wall, float(out.split("seconds=")[1].split()[0])


def interleaved(runs, jobs, expect=None):
    times = {name: [] for name, _ in jobs}
    for _ in range(runs):
        for name, cmd in jobs:
            times[name].append(timed(cmd, expect))
    return {name: (statistics.median(w for w, _ in t), statistics.median(s for _, s in t)) for name, t in times.items()}


def check_exact(path, starts):
    import av
    import numpy as np
    import torch

    import vidrep

    reader = vidrep.VideoReader(path, threads=2)
    ours = vidrep.read_clips(reader, [list(range(starts[0], starts[0] + LENGTH))])[0]
    h, w = ours.shape[1:3]
    worst = 0
    for k in (0, LENGTH - 1):
        i = starts[0] + k
        out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf", f"select=eq(n\\,{i})", "-fps_mode",
                              "passthrough", "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
                             check=True, capture_output=True).stdout
        ref = torch.frombuffer(bytearray(out), dtype=torch.uint8).reshape(h, w, 3)
        worst = max(worst, (ours[k].int() - ref.int()).abs().max().item())
    with av.open(path) as container:
        stream = container.streams.video[0]
        theirs = torch.from_numpy(np.stack(pyav_clip(container, stream, starts[0], LENGTH)))
    diff = (ours.int() - theirs.int()).abs().float()
    # The same frames: each of PyAV's frames is closest to vidrep's frame of the same index.
    same = all(min(range(LENGTH), key=lambda j: (ours[j].int() - theirs[k].int()).abs().float().mean().item()) == k
               for k in range(LENGTH))
    print(f"exactness: vidrep vs ffmpeg CLI frames {starts[0]} and {starts[0] + LENGTH - 1}: max diff {worst}; "
          f"PyAV vs vidrep, 16 frames: {'the same frames' if same else 'DIFFERENT FRAMES'}, "
          f"mean diff {diff.mean().item():.3f}, max {int(diff.max().item())} (PyAV's own YUV->RGB conversion)")
    return worst == 0 and same


def make_folder(videos):
    """DIR/train/<class>/: `videos` videos, and DIR/val/<class>/ two more, so that vidrep's train
    split is every train video (without a val folder vidrep holds 10 % of train out for validation)."""
    folder = os.path.join(DATA, f"python_epoch_{videos}")
    for k in range(videos + 2):
        label = ("a", "b")[k % 2]
        split = "train" if k < videos else "val"
        path = os.path.join(folder, split, label, f"v{k:03d}.mp4")
        if os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp.mp4"
        source = f"testsrc2=size=640x360:rate=30" if label == "a" else f"mandelbrot=size=640x360:rate=30:start_scale={1 + k / 10}"
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", f"{source},trim=duration=4", "-c:v", "libx264",
                        "-preset", "veryfast", "-g", "60", "-bf", "2", "-pix_fmt", "yuv420p", tmp], check=True)
        os.rename(tmp, path)
    return folder


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--videos", type=int, nargs="+", default=[48], help="epoch sizes (videos), e.g. 48 480")
    args = ap.parse_args()
    video = make_input("720p60s.mp4", "1280x720", 60)
    rng = random.Random(2024)
    starts = sorted(rng.randrange(0, 1800 - LENGTH) for _ in range(8))
    me = os.path.abspath(__file__)
    exact = check_exact(video, starts)

    s = ",".join(map(str, starts))
    r = interleaved(args.runs, [(tool, [PY, me, "job", "clips", tool, video, s]) for tool in ("vidrep", "pyav", "opencv")])
    print(f"\n8 random clips x {LENGTH} frames -> {SIZE}x{SIZE}, {video} (starts {s}); medians of {args.runs}")
    print("             in-process s   whole process s")
    for tool in ("vidrep", "pyav", "opencv"):
        ratio = "" if tool == "vidrep" else f"   vidrep {r[tool][1] / r['vidrep'][1]:.2f}x faster in-process, {r[tool][0] / r['vidrep'][0]:.2f}x whole"
        print(f"  {tool:8s}   {r[tool][1]:10.3f}   {r[tool][0]:10.3f}{ratio}")

    for videos in args.videos:
        folder = make_folder(videos)
        # Both read every video of the epoch once (the jobs print clips=N).
        r = interleaved(args.runs, [(tool, [PY, me, "job", "epoch", tool, folder, "2"]) for tool in ("vidrep", "pyav")],
                        expect=f"clips={videos}")
        print(f"\nan epoch of torch.utils.data.DataLoader, {videos} videos of 4 s at 640x360, batch 8, 2 workers")
        print(f"  vidrep.VideoDataset   {r['vidrep'][1]:8.3f} s")
        print(f"  PyAV Dataset          {r['pyav'][1]:8.3f} s   vidrep {r['pyav'][1] / r['vidrep'][1]:.2f}x faster")
        r = interleaved(args.runs, [("empty", [PY, me, "job", "epoch", "empty", folder, "2"])], expect=f"clips={videos}")
        print(f"  (the DataLoader alone, a Dataset of zeros: {r['empty'][1]:.3f} s)")
    return 0 if exact else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "job":
        {"clips": job_clips, "epoch": job_epoch}[sys.argv[2]](*sys.argv[3:])
    else:
        sys.exit(main())
