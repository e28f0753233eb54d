#!/usr/bin/python3
"""Builds a video copy-detection benchmark set from real footage installed by Debian packages.

  /usr/bin/python3 bench/retrieval/make_set.py OUT_DIR [--seed N] [--quick]

Sources are looked for at fixed paths (CANDIDATES); nothing is installed here. They come from
opencv-doc python3-mecavideo python3-imageio pd-extendedview python-kivy-examples
python-nbsphinx-doc renpy-demo golang-github-gabriel-vasile-mimetype-dev forensics-samples-files
gnome-user-docs openboard-common fillets-ng-data planetblupi-common lebiniou-data. Files that
ffprobe cannot read, shorter than 4 s, or nearly identical to an earlier source (same content at
another size/codec) are skipped. The seed splits the sources in three:

  refs/ref<NN>_<stem>.mp4         the reference collection (index these ...)
  distractors/dis<NN>_<stem>.mp4  (... and these): real footage that no query copies
  heldout/hld<NN>_<stem>.mp4      footage that is NOT indexed: negative queries and the
                                  surroundings of `inserted` queries come from here
  queries/q_<refstem>_<transform>.mp4   one per ref and transform, from a random excerpt
  queries/q_neg_<stem>_<k>_<transform>.mp4   negatives: 2 transformed excerpts per held-out video
  truth.tsv       query ref q_start q_end r_start r_end transform (paths relative to OUT_DIR,
                  seconds; [q_start,q_end) holds the copy of [r_start,r_end); '-' for negatives)
  manifest.json   sources, split, seed, per-transform counts, per-query parameters

Every output (H.264 unless the transform says otherwise, no audio) is the first min(60 s) of its
source at the source's own size (even dimensions), resampled to a constant frame rate, so a
frame index is a time; excerpts are cut with the trim filter by frame number, so the times in
truth.tsv are exact to a frame. Transforms: crop (60-80 % of each axis), pad (+30 %, coloured
border), hflip, bright (eq), blur (gblur sigma 3), noise (strength 25), logo (smptebars/testsrc
box in a corner, 20-25 % of the width), speed05/speed2 (setpts x2 / x0.5), lowbitrate (50 kbit/s),
mpeg4 (MPEG-4 part 2), quarter (1/4 size), excerpt (3-5 s), inserted (4-6 s between two pieces of
held-out footage). --quick: at most 4 refs, 3 distractors, transforms crop hflip speed2 inserted
excerpt. Outputs are written under a temporary name and renamed; an output whose file exists and
whose ffmpeg command is unchanged (.build_cache.json) is not rebuilt, so a rerun is fast.
"""
import argparse
import glob
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np

# (stem, alternatives): the first alternative that exists and decodes is used; alternatives hold
# the same content (another codec/size), so at most one of them enters the set.
CANDIDATES = [
    ("vtest", ["/usr/share/doc/opencv-doc/examples/data/vtest.avi"]),
    ("megamind", ["/usr/share/doc/opencv-doc/examples/data/Megamind.avi"]),  # not Megamind_bugy
    ("tree", ["/usr/share/doc/opencv-doc/examples/data/tree.avi"]),
    ("cockatoo", ["/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4"]),
    ("balle", ["/usr/share/pymecavideo/data/video/balle-jbart.mp4"]),
    ("diver", ["/usr/share/doc/pd-extendedview/media/diver.mov"]),
    ("city", ["/usr/share/kivy-examples/widgets/cityCC0.mpg"]),
    ("calais1906", ["/usr/share/doc/python-nbsphinx/html/www/wikimediacommons/"
                    "Shepard_Calais_1906_FrenchGP.ogv"]),
    ("launch", ["/usr/share/games/renpy/demo/game/oa4_launch.webm"]),
    ("lego", ["/usr/share/gocode/src/github.com/gabriel-vasile/mimetype/testdata/" + n
              for n in ("mp4.mp4", "mov.mov", "webm.webm", "ogg.ogv")]
     + ["/usr/share/doc/python3-hug/examples/streaming_movie_server/movie.mp4"]),
    ("hello", ["/usr/share/forensics-samples/original-files/movie2/movie-hello." + e
               for e in ("mp4", "avi", "mpeg", "ogg")]),
    ("screencast", ["/usr/share/help/C/gnome-help/figures/display-dual-monitors.webm",
                    "/usr/share/help/*/gnome-help/figures/display-dual-monitors.webm"]),
    ("cclicense", ["/usr/share/openboard/library/videos/wannaworktogether.mp4"]),
    ("fillets", ["/usr/share/games/fillets-ng/images/menu/intro.mpg"]),
    ("blupi_story", ["/usr/share/planetblupi/movie/history2.mkv"]),
    ("blupi_win", ["/usr/share/planetblupi/movie/win129.mkv"]),
    ("blupi_play", ["/usr/share/planetblupi/movie/play103.mkv"]),
    ("biniou_a", ["/usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-28-28.mp4"]),
    ("biniou_b", ["/usr/share/lebiniou/vue/media/lebiniou-2021-06-10_12-19-53.mp4"]),
]
TRANSFORMS = ["crop", "pad", "hflip", "bright", "blur", "noise", "logo", "speed05", "speed2",
              "lowbitrate", "mpeg4", "quarter", "excerpt", "inserted"]
QUICK_TRANSFORMS = ["crop", "hflip", "speed2", "inserted", "excerpt"]
NEG_TRANSFORMS = ["crop", "pad", "hflip", "bright", "blur", "noise", "quarter", "speed2",
                  "lowbitrate", "excerpt"]
SPEED = {"speed05": 2.0, "speed2": 0.5}  # query length / ref length
MIN_SRC_S, MAX_SRC_S, NEG_PER_SOURCE = 4.0, 60.0, 2
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
FF = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-threads", "2"]


def ffprobe(path):
    """Video size, frame rate, frame count and duration of a file (None when unreadable)."""
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "stream=width,height,r_frame_rate,avg_frame_rate,nb_frames:format=duration",
                        "-of", "json", path], capture_output=True, text=True)
    try:
        j = json.loads(r.stdout)
        s, d = j["streams"][0], float(j["format"]["duration"])
        return dict(w=int(s["width"]), h=int(s["height"]), dur=d, nb=s.get("nb_frames"),
                    rate=s.get("r_frame_rate", "0/1"), avg=s.get("avg_frame_rate", "0/1"))
    except (KeyError, IndexError, ValueError):
        return None


def pick_fps(info):
    """A constant rate close to the source's, with a small denominator (30000/1001, 1506/125)."""
    for text in (info["rate"], info["avg"]):
        try:
            f = Fraction(text).limit_denominator(1001)
        except (ValueError, ZeroDivisionError):
            continue
        if 5 <= f <= 61:
            return f
    return Fraction(25)


def signature(path):
    """16x16 grey thumbnails at 2 fps of the first 20 s, each row zero-mean and unit-norm."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-t", "20", "-i", path, "-vf",
                          "fps=2,scale=16:16:flags=area,format=gray", "-f", "rawvideo", "-"],
                         capture_output=True).stdout
    s = np.frombuffer(raw, np.uint8).reshape(-1, 256).astype(np.float32)
    s -= s.mean(1, keepdims=True)
    return s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-3)


def near_duplicate(a, b):
    """Same content when nearly every thumbnail of each has a near-identical one in the other
    (measured: re-encodes >= 0.93, distinct sources here <= 0.6)."""
    c = a @ b.T
    return min(c.max(1).mean(), c.max(0).mean()) > 0.85


def find_sources():
    found, sigs = [], []
    for stem, alternatives in CANDIDATES:
        paths = [p for pat in alternatives for p in sorted(glob.glob(pat))]
        for path in paths:
            info = ffprobe(path)
            if info is None or info["dur"] < MIN_SRC_S:
                print(f"  skip {stem}: {path} " + ("unreadable" if info is None else
                                                   f"only {info['dur']:.1f} s"))
                continue
            sig = signature(path)
            if len(sig) < 2 * MIN_SRC_S - 1:
                print(f"  skip {stem}: {path} decodes to {len(sig) / 2:.1f} s only")
                continue
            dup = next((f["stem"] for f, s in zip(found, sigs) if near_duplicate(sig, s)), None)
            if dup:
                print(f"  skip {stem}: {path} is a near duplicate of {dup}")
                break
            print(f"  found {stem}: {path} {info['w']}x{info['h']} {info['dur']:.1f} s")
            found.append(dict(stem=stem, path=path, w=info["w"], h=info["h"],
                              dur=round(info["dur"], 3), fps=pick_fps(info)))
            sigs.append(sig)
            break
        else:
            print(f"  missing {stem}: no usable file among {alternatives}")
    return found


class Builder:
    """Runs ffmpeg commands in OUT_DIR, skipping outputs already built by the same command."""

    def __init__(self, out_dir):
        self.out, self.lock = out_dir, threading.Lock()
        self.cache_path = os.path.join(out_dir, ".build_cache.json")
        try:
            self.cache = json.load(open(self.cache_path))
        except (OSError, ValueError):
            self.cache = {}
        self.built = self.skipped = 0

    def make(self, rel, args):
        """ffmpeg [args] rel; args end with the output options, the output file is appended."""
        # The key covers the inputs built here too, so a rebuilt ref rebuilds its queries.
        inputs = [self.cache.get(a, "") for a in args]
        key = hashlib.sha1(json.dumps([args, inputs]).encode()).hexdigest()
        if self.cache.get(rel) == key and os.path.exists(os.path.join(self.out, rel)):
            self.skipped += 1
            return
        root, ext = os.path.splitext(rel)
        tmp = root + ".tmp" + ext  # keeps the extension, which picks the muxer
        r = subprocess.run(FF + args + [tmp], cwd=self.out, capture_output=True, text=True)
        if r.returncode != 0:
            cmd = " ".join(FF + args + [tmp])
            raise RuntimeError(f"ffmpeg failed for {rel}: {cmd}\n{r.stderr[-2000:]}")
        os.replace(os.path.join(self.out, tmp), os.path.join(self.out, rel))
        with self.lock:
            self.cache[rel] = key
            self.built += 1
            write_atomic(self.cache_path, json.dumps(self.cache, indent=0, sort_keys=True))
            print(f"  [{self.built}] {rel}", flush=True)


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def even(x):
    return max(2, int(x) // 2 * 2)


def transform_filter(t, rng, w, h, fps):
    """(filter appended after the excerpt, encoder options, parameters) for transform t."""
    enc, p = X264 + ["-crf", "23"], {}
    simple = {"hflip": "hflip", "blur": "gblur=sigma=3", "noise": "noise=alls=25:allf=t+u",
              "quarter": f"scale={even(w / 4)}:{even(h / 4)}", "excerpt": "null",
              "lowbitrate": "null", "mpeg4": "null"}
    if t in simple:
        f = simple[t]
    elif t == "crop":
        cw, ch = even(w * rng.uniform(0.6, 0.8)), even(h * rng.uniform(0.6, 0.8))
        p = dict(w=cw, h=ch, x=rng.randint(0, w - cw), y=rng.randint(0, h - ch))
        f = "crop={w}:{h}:{x}:{y}".format(**p)
    elif t == "pad":
        pw, ph = even(w * 1.3), even(h * 1.3)
        p = dict(w=pw, h=ph, x=rng.randint(0, pw - w), y=rng.randint(0, ph - h),
                 color="0x%06x" % rng.randrange(1 << 24))
        f = "pad={w}:{h}:{x}:{y}:color={color}".format(**p)
    elif t == "bright":
        p = dict(brightness=round(rng.choice([-1, 1]) * rng.uniform(0.08, 0.2), 3),
                 contrast=round(rng.uniform(0.7, 1.4), 3),
                 saturation=round(rng.uniform(0.4, 1.7), 3))
        f = "eq=brightness={brightness}:contrast={contrast}:saturation={saturation}".format(**p)
    elif t == "logo":  # a static (bars) or moving (testsrc) box, like a broadcaster's bug
        lw = even(w * rng.uniform(0.2, 0.25))
        lh, m = even(lw * 3 / 4), even(w * 0.03)
        p = dict(kind=rng.choice(["smptebars", "testsrc"]), w=lw, h=lh,
                 x=rng.choice([m, w - lw - m]), y=rng.choice([m, h - lh - m]))
        f = (f"null[v0];{p['kind']}=s={lw}x{lh}:r={fps}[lg];"
             f"[v0][lg]overlay={p['x']}:{p['y']}:shortest=1")
    else:  # speed05/speed2; fps keeps the ref's constant rate. speed2 drops the odd frames
        # first: halving odd timestamps (1001 ticks at 30000/1001) made fps keep odd frames.
        f = ("framestep=2," if t == "speed2" else "") + f"setpts={SPEED[t]}*PTS,fps={fps}"
    if t == "lowbitrate":
        enc = X264 + ["-b:v", "50k", "-maxrate", "60k", "-bufsize", "120k"]
    elif t == "mpeg4":
        enc = ["-c:v", "mpeg4", "-q:v", "6", "-pix_fmt", "yuv420p"]
    return f, enc, p


def excerpt_frames(rng, t, n, fps):
    """Length in frames of a random excerpt of an n-frame video, for transform t."""
    lo, hi = {"excerpt": (3, 5), "inserted": (4, 6)}.get(t, (6, 12))
    return min(n, round(rng.uniform(lo, hi) * fps))


def plan_query(seed, ref, t, heldout, name, neg_index=None):
    """ffmpeg arguments and truth values for one query made from the video `ref`."""
    rng = random.Random(f"{seed}:{name}:{t}")
    fps, n = ref["fps"], ref["frames"]
    length = excerpt_frames(rng, t, n, fps)
    length -= length % 2 if t == "speed2" else 0  # so the query is exactly half as long
    a = rng.randint(0, n - length)
    cut = f"trim=start_frame={a}:end_frame={a + length},setpts=PTS-STARTPTS"
    args = ["-i", ref["out"]]
    if t == "inserted":  # held-out footage before and after, at the ref's size and rate
        pieces, graph = [], []
        for i in (1, 2):
            src = rng.choice(heldout)
            nf = int(src["frames"] * fps / src["fps"]) - 1  # frames once resampled to fps
            k = min(nf, round(rng.uniform(2, 5) * fps))
            s = rng.randint(0, nf - k)
            pieces.append(dict(src=src["out"], start=s, frames=k))
            args += ["-i", src["out"]]
            graph.append(f"[{i}:v]fps={fps},trim=start_frame={s}:end_frame={s + k},"
                         f"setpts=PTS-STARTPTS,scale={ref['ow']}:{ref['oh']},setsar=1[p{i}]")
        graph.append(f"[0:v]{cut},setsar=1[x]")
        fc = ";".join(graph) + ";[p1][x][p2]concat=n=3:v=1:a=0[out]"
        enc, params = X264 + ["-crf", "23"], dict(before=pieces[0], after=pieces[1])
        q0, q1 = pieces[0]["frames"] / fps, (pieces[0]["frames"] + length) / fps
        qlen = (pieces[0]["frames"] + length + pieces[1]["frames"]) / fps
    else:
        f, enc, params = transform_filter(t, rng, ref["ow"], ref["oh"], fps)
        fc = f"[0:v]{cut},{f}[out]"
        q0, q1 = 0.0, length / fps * SPEED.get(t, 1.0)
        qlen = q1
    stem = f"neg_{ref['stem']}_{neg_index}" if neg_index is not None else \
        os.path.splitext(os.path.basename(ref["out"]))[0]
    query = f"queries/q_{stem}_{t}.mp4"
    params.update(start_frame=a, frames=length)
    return dict(query=query, ref=ref["out"] if neg_index is None else "-", transform=t,
                q=(q0, q1), r=(a / fps, (a + length) / fps), qlen=qlen, fps=fps, params=params,
                args=args + ["-filter_complex", fc, "-map", "[out]", "-an"] + enc)


def split_sources(sources, seed, quick):
    """Held-out (never indexed), distractors (a third of the rest) and refs; the seed alone
    decides, and each source gets its role and output name."""
    order = sorted(sources, key=lambda s: s["stem"])
    random.Random(f"split:{seed}").shuffle(order)
    n_held = 3 if len(order) >= 12 else 2
    held, rest = order[:n_held], order[n_held:]
    dis, refs = rest[:round(len(rest) / 3)], rest[round(len(rest) / 3):]
    if quick:
        dis, refs = dis[:3], refs[:4]
    for role, prefix, group in (("ref", "refs/ref", refs), ("distractor", "distractors/dis", dis),
                                ("heldout", "heldout/hld", held)):
        for i, s in enumerate(sorted(group, key=lambda s: s["stem"]), 1):
            s.update(role=role, out=f"{prefix}{i:02d}_{s['stem']}.mp4")
    return refs, dis, held


def remove_stale(out_dir, wanted):
    """Drops outputs of an earlier run with another seed/source list, and partial files."""
    for sub in ("refs", "distractors", "heldout", "queries"):
        for path in glob.glob(os.path.join(out_dir, sub, "*")):
            if os.path.relpath(path, out_dir) not in wanted:
                print(f"  removing stale {os.path.relpath(path, out_dir)}")
                os.remove(path)


def verify(out_dir, queries, videos):
    """Every time in truth.tsv inside the real durations; each query as long as planned."""
    problems, dur = [], {v["out"]: v["dur_out"] for v in videos}
    for q in queries:
        info, tol = ffprobe(os.path.join(out_dir, q["query"])), 2.0 / float(q["fps"]) + 0.01
        if info is None:
            problems.append(f"{q['query']}: unreadable")
        elif abs(info["dur"] - q["qlen"]) > tol or q["q"][1] > info["dur"] + tol:
            problems.append(f"{q['query']}: {info['dur']:.3f} s, planned {q['qlen']:.3f} s")
        if q["ref"] != "-" and q["r"][1] > dur[q["ref"]] + 1e-3:
            problems.append(f"{q['query']}: r_end {q['r'][1]:.3f} > {dur[q['ref']]:.3f}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="a small set for fast checks")
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                    help="ffmpeg processes at once (each uses 2 threads)")
    args = ap.parse_args()
    t_start, out = time.time(), os.path.abspath(args.out_dir)

    print("sources:")
    sources = find_sources()
    if len(sources) < 6:
        sys.exit(f"error: only {len(sources)} usable sources (need 6); install the packages "
                 "named in --help")
    refs, dis, held = split_sources(sources, args.seed, args.quick)
    transforms = QUICK_TRANSFORMS if args.quick else TRANSFORMS
    videos = sorted(refs + dis + held, key=lambda s: s["out"])
    print(f"split (seed {args.seed}): {len(refs)} refs, {len(dis)} distractors, "
          f"{len(held)} held out: " + ", ".join(f"{s['stem']}={s['role']}" for s in videos))

    for sub in ("refs", "distractors", "heldout", "queries"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    builder, pool = Builder(out), ThreadPoolExecutor(args.jobs)
    # Re-encode to a constant rate and even size so frame k is at time k/fps in every output.
    print("encoding refs, distractors and held-out footage:")
    jobs = [pool.submit(builder.make, s["out"], [
        "-t", str(MAX_SRC_S), "-i", s["path"], "-vf",
        f"fps={s['fps']},scale={even(s['w'])}:{even(s['h'])},setsar=1", "-an"]
        + X264 + ["-crf", "20"]) for s in videos]
    for j in jobs:
        j.result()
    for s in videos:
        info = ffprobe(os.path.join(out, s["out"]))
        s.update(ow=info["w"], oh=info["h"], frames=int(info["nb"]), dur_out=info["dur"],
                 bytes=os.path.getsize(os.path.join(out, s["out"])))

    queries = [plan_query(args.seed, r, t, held, r["out"]) for r in refs for t in transforms]
    for h in held:  # negatives: two different transforms of two excerpts of each held-out video
        picks = random.Random(f"{args.seed}:neg:{h['stem']}").sample(NEG_TRANSFORMS, NEG_PER_SOURCE)
        queries += [plan_query(args.seed, h, t, held, h["out"] + str(k), neg_index=k)
                    for k, t in enumerate(picks, 1)]
    remove_stale(out, {s["out"] for s in videos} | {q["query"] for q in queries})
    print(f"encoding {len(queries)} queries:")
    for j in [pool.submit(builder.make, q["query"], q["args"]) for q in queries]:
        j.result()
    pool.shutdown()

    problems = verify(out, queries, videos)
    lines = ["#query\tref\tq_start\tq_end\tr_start\tr_end\ttransform"]
    for q in queries:
        times = [f"{float(x):.3f}" for x in q["q"] + q["r"]] if q["ref"] != "-" else ["-"] * 4
        lines.append("\t".join([q["query"], q["ref"]] + times + [q["transform"]]))
    counts = Counter(q["transform"] if q["ref"] != "-" else "negative" for q in queries)
    manifest = dict(
        seed=args.seed, quick=args.quick, counts=dict(sorted(counts.items())),
        n_queries=len(queries),
        sources=[dict(stem=s["stem"], path=s["path"], role=s["role"], output=s["out"],
                      duration=s["dur"], width=s["w"], height=s["h"], fps=str(s["fps"]),
                      output_duration=round(s["dur_out"], 3), output_frames=s["frames"],
                      output_size=f"{s['ow']}x{s['oh']}", output_bytes=s["bytes"])
                 for s in videos],
        queries=[dict(query=q["query"], transform=q["transform"], params=q["params"])
                 for q in queries])
    write_atomic(os.path.join(out, "truth.tsv"), "\n".join(lines) + "\n")
    write_atomic(os.path.join(out, "manifest.json"), json.dumps(manifest, indent=1) + "\n")

    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "*", "*.*")))
    print(f"done in {time.time() - t_start:.0f} s: {len(refs)} refs, {len(dis)} distractors, "
          f"{len(queries)} queries ({builder.built} built, {builder.skipped} kept), "
          f"{size / 1e6:.1f} MB in {out}")
    print("counts: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    if problems:
        sys.exit("verification failed:\n  " + "\n  ".join(problems))
    print("verified: every query and ref time lies inside the encoded durations")


if __name__ == "__main__":
    main()
