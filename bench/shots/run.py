#!/usr/bin/python3
"""Shot detection on edits of real footage: vidrep shots against ffmpeg's scdet and
select='gt(scene,0.3)' on the same files, in the same run.

  /usr/bin/python3 bench/shots/run.py [--set DIR] [--videos N] [--seed S]

The set (made under build/bench-data/shots if missing) strings together 3-4 s segments of
single-shot videos from Debian packages (never the same one twice in a row) (opencv-doc, python3-imageio, python3-mecavideo,
lebiniou-data, pd-extendedview), each re-timed to 25 fps at 320x240, joined by a
hard cut, a dissolve or a fade through black of 2-30 frames (the ffmpeg CLI's concat and xfade),
with flashes (2-3 bright frames), pans and on-screen text (a caption box popping in and out, a
running frame counter) inside segments, which are not transitions. The truth
of each edit is exact to a frame: a cut's first new frame, a gradual transition's blended frames.

Scores: cuts F1 with a tolerance of 2 frames; gradual transitions F1 where a detected transition
overlaps a true one (a gradual transition found as a cut inside its frames counts for gradual).
ffmpeg's detectors report only points, so they are scored as cuts and, for gradual transitions,
as hits when the point lies inside the truth's frames. Time: vidrep's whole process against the
ffmpeg CLI's decode of the same files (-f null), summed over the set.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDREP = os.path.join(ROOT, "build", "bin", "vidrep")
FPS = 25
SIZE = (320, 240)
SOURCES = [
    "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
    "/usr/share/doc/opencv-doc/examples/data/tree.avi",
    "/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4",
    "/usr/share/pymecavideo/data/video/balle-jbart.mp4",
    "/usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-19-53.mp4",
    "/usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-28-28.mp4",
    "/usr/share/doc/pd-extendedview/media/diver.mov",
]  # not Shepard_Calais_1906 (python-nbsphinx): it has cuts of its own (one before frame 81)
TOLERANCE = 2
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"  # fonts-dejavu-core


def sh(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def duration(path):
    return float(sh(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path]).stdout)


def make_video(path, rng, sources):
    """One edit: returns its truth, a list of {type, first, last} (frames; a cut's first == last
    == the first frame of the new segment)."""
    n = rng.randint(5, 7)
    inputs, chains, truth = [], [], []
    length = 0  # frames of the output so far
    src = None
    for i in range(n):
        # Never the same source twice in a row: a cut within one fixed-camera video is no cut.
        src = rng.choice([s for s in sources if s != src])
        frames = rng.randint(75, 100)
        start = rng.uniform(0, max(0.0, duration(src) - frames / FPS - 0.5))
        inputs += ["-ss", f"{start:.3f}", "-t", f"{frames / FPS + 1:.3f}", "-i", src]
        f = (f"[{i}:v]fps={FPS},scale={SIZE[0]}:{SIZE[1]},setsar=1,format=yuv420p,trim=end_frame={frames},"
             f"setpts=PTS-STARTPTS,settb=1/{FPS}")
        effect = rng.random()
        if rng.random() < 0.3 and os.path.exists(FONT):  # a caption popping in and out, and a counter
            at = rng.randint(10, frames - 40)
            f += (f",drawtext=fontfile={FONT}:text='BREAKING NEWS':fontsize=24:fontcolor=white:box=1:"
                  f"boxcolor=black@0.8:x=10:y=200:enable='between(n,{at},{at + 30})',"
                  f"drawtext=fontfile={FONT}:text='%{{n}}':fontsize=30:fontcolor=yellow:x=250:y=10")
        if effect < 0.25:  # a flash of 2-3 frames, not a transition
            at = rng.randint(20, frames - 20)
            f += f",eq=brightness=0.6:enable='between(n,{at},{at + rng.randint(1, 2)})'"
        elif effect < 0.4:  # a fast pan: a 1.6x zoom slid across the picture
            f += (f",scale={int(SIZE[0] * 1.6)}:{int(SIZE[1] * 1.6)},"
                  f"crop={SIZE[0]}:{SIZE[1]}:'(iw-ow)*n/{frames}':'(ih-oh)/2'")
        chains.append(f + f"[s{i}]")
        if i == 0:
            prev, length = f"[s{i}]", frames
            continue
        kind = rng.choice(["cut", "cut", "dissolve", "fade"])
        if kind == "cut":
            chains.append(f"{prev}[s{i}]concat=n=2:v=1,settb=1/{FPS}[j{i}]")
            truth.append({"type": "cut", "first": length, "last": length})
            length += frames
        else:
            d = rng.randint(2, 30)
            offset = length - d
            chains.append(f"{prev}[s{i}]xfade=transition={'fade' if kind == 'dissolve' else 'fadeblack'}:"
                          f"duration={d / FPS}:offset={offset / FPS}[j{i}]")
            truth.append({"type": kind, "first": offset, "last": offset + d - 1})
            length += frames - d
        prev = f"[j{i}]"
    tmp = path + ".tmp.mp4"
    sh(["ffmpeg", "-y", "-v", "error", *inputs, "-filter_complex", ";".join(chains), "-map", prev,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-g", "250", tmp])
    os.rename(tmp, path)
    return {"frames": length, "transitions": truth}


def make_set(root, count, seed):
    os.makedirs(root, exist_ok=True)
    rng = random.Random(seed)
    sources = [s for s in SOURCES if os.path.exists(s)]
    truth = {}
    for k in range(count):
        path = os.path.join(root, f"edit{k:02d}.mp4")
        truth[os.path.basename(path)] = make_video(path, rng, sources)
        print(f"  made {path}", flush=True)
    with open(os.path.join(root, "truth.json"), "w") as f:
        json.dump({"seed": seed, "sources": sources, "videos": truth}, f, indent=1)


def f1(tp, found, wanted):
    p = tp / found if found else 1.0
    r = tp / wanted if wanted else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def score(detected, truth):
    """detected: {video: [(first, last, is_cut)]} -> cut and gradual (tp, found, wanted)."""
    counts = {"cut": [0, 0, 0], "gradual": [0, 0, 0]}
    for video, t in truth.items():
        cuts = [x for x in t["transitions"] if x["type"] == "cut"]
        gradual = [x for x in t["transitions"] if x["type"] != "cut"]
        used = set()
        for first, last, is_cut in detected.get(video, []):
            hit = None
            for i, g in enumerate(gradual):  # overlaps a gradual transition (a point inside it too)
                if ("g", i) not in used and first <= g["last"] + TOLERANCE and last >= g["first"] - TOLERANCE:
                    hit = ("g", i)
                    break
            if hit is None:
                for i, c in enumerate(cuts):
                    if ("c", i) not in used and abs(last - c["first"]) <= TOLERANCE:
                        hit = ("c", i)
                        break
            kind = "gradual" if (hit and hit[0] == "g") or (hit is None and not is_cut) else "cut"
            counts[kind][1] += 1
            if hit:
                used.add(hit)
                counts[kind][0] += 1
        counts["cut"][2] += len(cuts)
        counts["gradual"][2] += len(gradual)
    return counts


def run_vidrep(paths):
    t0 = time.time()
    out = sh([VIDREP, "shots", *paths, "--json"]).stdout
    wall = time.time() - t0
    detected = {}
    for line in out.splitlines():
        j = json.loads(line)
        # A transition's blended frames lie strictly between start_frame and end_frame.
        detected[os.path.basename(j["path"])] = [
            (t["end_frame"] if t["type"] == "cut" else t["start_frame"] + 1, t["end_frame"] if t["type"] == "cut"
             else t["end_frame"] - 1, t["type"] == "cut") for t in j["transitions"]]
    return detected, wall


def run_ffmpeg(paths, vf, pattern):
    detected, wall = {}, 0.0
    for p in paths:
        t0 = time.time()
        err = subprocess.run(["ffmpeg", "-v", "info", "-nostats", "-threads", "2", "-i", p, "-vf", vf, "-f", "null", "-"],
                             capture_output=True, text=True).stderr
        wall += time.time() - t0
        times = [float(m) for m in re.findall(pattern, err)]
        detected[os.path.basename(p)] = [(round(t * FPS), round(t * FPS), True) for t in times]
    return detected, wall


def floor(paths):
    t0 = time.time()
    for p in paths:
        sh(["ffmpeg", "-v", "error", "-threads", "2", "-i", p, "-f", "null", "-"])
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=os.path.join(ROOT, "build", "bench-data", "shots"))
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.set, "truth.json")):
        print(f"making {args.videos} edits under {args.set} ...", flush=True)
        make_set(args.set, args.videos, args.seed)
    truth = json.load(open(os.path.join(args.set, "truth.json")))["videos"]
    paths = [os.path.join(args.set, v) for v in sorted(truth)]
    n = {k: sum(1 for t in truth.values() for x in t["transitions"] if (x["type"] == "cut") == (k == "cut"))
         for k in ("cut", "gradual")}
    print(f"{len(paths)} edits, {sum(t['frames'] for t in truth.values())} frames: {n['cut']} cuts, "
          f"{n['gradual']} dissolves and fades")
    base = floor(paths)
    rows = [("vidrep shots", *run_vidrep(paths)),
            ("ffmpeg scdet (threshold 10)", *run_ffmpeg(paths, "scdet=threshold=10", r"lavfi\.scd\.time: ([\d.]+)")),
            ("ffmpeg select gt(scene,0.3)", *run_ffmpeg(paths, "select='gt(scene,0.3)',showinfo",
                                                       r"pts_time:([\d.]+)"))]
    print(f"\n{'detector':30s} {'cut P':>6s} {'cut R':>6s} {'cut F1':>7s} {'grad F1':>8s} {'time':>7s} {'x floor':>8s}")
    for name, detected, wall in rows:
        c = score(detected, truth)
        tp, found, wanted = c["cut"]
        p = tp / found if found else 1.0
        r = tp / wanted if wanted else 1.0
        print(f"{name:30s} {p:6.3f} {r:6.3f} {f1(*c['cut']):7.3f} {f1(*c['gradual']):8.3f} {wall:6.2f}s "
              f"{wall / base:7.2f}x")
    print(f"(decode floor, ffmpeg -f null over the set: {base:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())
