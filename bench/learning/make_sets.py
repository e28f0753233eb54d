#!/usr/bin/python3
"""Direction-of-motion datasets that vidrep did not make: every video is rendered by the ffmpeg
CLI's lavfi sources (an object moving left, right, up or down over a background), in the
folder-per-class layout `vidrep train --data` reads (SET/{train,test}/<class>/NNN.mp4; val is
held out of train by vidrep). Seeded: the same command gives the same files.

  bench/learning/make_sets.py OUT_DIR [--sets squares,textured,discs,final] [--train 30] [--test 10]

Sets (16 frames at 64x64, 8 fps, h264):
  squares   a square of random colour on a random plain background (the issue's first check)
  textured  a moving patch of testsrc2 (itself animated) over a cellular-automaton or Hald CLUT
            background, with temporal noise
  discs     a disc over colour bars or a colour spectrum shifted at random, brightness flicker,
            faster motion
  final     held out until the recipes are chosen: a rectangle of random aspect ratio over a
            Mandelbrot or gradient background, a still distractor square, noise and flicker
"""
import argparse
import concurrent.futures
import os
import random
import subprocess
import sys

CLASSES = ("left", "right", "up", "down")
SIZE, FRAMES, FPS = 64, 16, 8


def colour(rng):
    return "0x%02x%02x%02x" % (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def distinct_colours(rng):
    while True:
        a, b = colour(rng), colour(rng)
        ca = [int(a[i:i + 2], 16) for i in (2, 4, 6)]
        cb = [int(b[i:i + 2], 16) for i in (2, 4, 6)]
        if sum(abs(x - y) for x, y in zip(ca, cb)) > 150:
            return a, b


def path(rng, direction, w, h, speed):
    """Start (x0, y0) and velocity (vx, vy) keeping a w x h object inside the frame throughout."""
    travel = speed * (FRAMES - 1)
    vx, vy = {"left": (-speed, 0), "right": (speed, 0), "up": (0, -speed), "down": (0, speed)}[direction]
    if vx:
        x0 = rng.uniform(0, SIZE - w - travel) + (travel if vx < 0 else 0)
        y0 = rng.uniform(0, SIZE - h)
    else:
        x0 = rng.uniform(0, SIZE - w)
        y0 = rng.uniform(0, SIZE - h - travel) + (travel if vy < 0 else 0)
    return x0, y0, vx, vy


def overlay(x0, y0, vx, vy):
    return f"overlay=x='{x0:.2f}+({vx:.3f})*n':y='{y0:.2f}+({vy:.3f})*n':shortest=1"


def graph(set_name, direction, rng):
    """(lavfi inputs, filter_complex) for one video."""
    s = f"s={SIZE}x{SIZE}:r={FPS}"
    if set_name == "squares":
        bg, fg = distinct_colours(rng)
        side = rng.randint(10, 18)
        x0, y0, vx, vy = path(rng, direction, side, side, rng.uniform(1.5, 3.0))
        return [f"color=c={bg}:{s}", f"color=c={fg}:s={side}x{side}:r={FPS}"], f"[0][1]{overlay(x0, y0, vx, vy)}"
    if set_name == "textured":
        side = rng.randint(12, 20)
        bg = rng.choice([f"cellauto=rule={rng.choice([18, 30, 90, 110, 150])}:{s}:seed={rng.randrange(1 << 30)}"
                         f":scroll=0:start_full=1",
                         f"haldclutsrc=level={rng.choice([4, 5, 6])}:r={FPS},"
                         f"crop={SIZE}:{SIZE}:{rng.randrange(17)}:{rng.randrange(17)},format=yuv420p"])
        ox, oy = rng.randrange(0, 128 - side), rng.randrange(0, 96 - side)
        fg = f"testsrc2=s=128x96:r={FPS},crop={side}:{side}:{ox}:{oy}"
        x0, y0, vx, vy = path(rng, direction, side, side, rng.uniform(1.0, 3.0))
        return [bg, fg], f"[0]format=yuv420p[b];[b][1]{overlay(x0, y0, vx, vy)},noise=alls=12:allf=t"
    if set_name == "discs":
        d = rng.randint(10, 20)
        r = (d - 1) / 2
        fg = (f"color=c={colour(rng)}:s={d}x{d}:r={FPS},format=rgba,"
              f"geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lte((X-{r})*(X-{r})+(Y-{r})*(Y-{r}),{r * r:.2f}),255,0)'")
        src = rng.choice(["smptebars", "colorspectrum", "rgbtestsrc"])
        bw = rng.randint(SIZE, 2 * SIZE)
        bg = f"{src}=s={bw}x{bw}:r={FPS},crop={SIZE}:{SIZE}:{rng.randrange(bw - SIZE + 1)}:{rng.randrange(bw - SIZE + 1)}"
        x0, y0, vx, vy = path(rng, direction, d, d, rng.uniform(2.0, 3.2))
        flicker = f"eq=brightness='{rng.uniform(0.03, 0.08):.3f}*sin({rng.uniform(1, 3):.2f}*n)':eval=frame"
        return [bg, fg], f"[0][1]{overlay(x0, y0, vx, vy)},{flicker}"
    if set_name == "final":
        w, h = rng.randint(8, 22), rng.randint(8, 22)
        bg = rng.choice([f"mandelbrot={s}:start_scale={rng.uniform(1.5, 3.0):.2f}:end_scale={rng.uniform(1.5, 3.0):.2f}",
                         f"gradients={s}:c0={colour(rng)}:c1={colour(rng)}:seed={rng.randrange(1 << 30)}:speed=0.02"])
        dist = rng.randint(6, 12)
        x0, y0, vx, vy = path(rng, direction, w, h, rng.uniform(1.0, 2.5))
        still = f"overlay=x={rng.randrange(SIZE - dist)}:y={rng.randrange(SIZE - dist)}"
        flicker = f"eq=brightness='{rng.uniform(0.02, 0.06):.3f}*sin({rng.uniform(1, 3):.2f}*n)':eval=frame"
        return ([bg, f"color=c={colour(rng)}:s={w}x{h}:r={FPS}", f"color=c={colour(rng)}:s={dist}x{dist}:r={FPS}"],
                f"[0]format=yuv420p[b];[b][2]{still}[c];[c][1]{overlay(x0, y0, vx, vy)},noise=alls=10:allf=t,{flicker}")
    raise ValueError(set_name)


def render(job):
    out, inputs, fc = job
    cmd = ["ffmpeg", "-v", "error", "-y"]
    for i in inputs:
        cmd += ["-f", "lavfi", "-i", i]
    cmd += ["-filter_complex", fc + ",format=yuv420p", "-frames:v", str(FRAMES), "-c:v", "libx264", "-preset",
            "veryfast", "-crf", "18", "-threads", "1", out + ".tmp.mp4"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return f"{out}: {r.stderr.strip()}"
    os.replace(out + ".tmp.mp4", out)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--sets", default="squares,textured,discs,final")
    ap.add_argument("--train", type=int, default=30, help="training videos per class")
    ap.add_argument("--test", type=int, default=10, help="test videos per class")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    jobs = []
    for set_index, name in enumerate(args.sets.split(",")):
        rng = random.Random(f"vidrep-learning-{name}")
        for split, count in (("train", args.train), ("test", args.test)):
            for c in CLASSES:
                folder = os.path.join(args.out, name, split, c)
                os.makedirs(folder, exist_ok=True)
                for i in range(count):
                    inputs, fc = graph(name, c, rng)
                    jobs.append((os.path.join(folder, f"{i:03d}.mp4"), inputs, fc))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        errors = [e for e in pool.map(render, jobs) if e]
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{len(jobs) - len(errors)} videos in {args.out} ({args.sets})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
