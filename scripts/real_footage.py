#!/usr/bin/python3
"""Real footage check: every video file shipped in a set of Debian packages, read by vidrep and
compared with the ffmpeg CLI. Not part of CI (it installs packages); run by hand:

    /usr/bin/python3 scripts/real_footage.py [--vidrep build/bin/vidrep] [--timeout 300] [FILE...]

For each file: `vidrep probe` (frame count against `ffprobe -count_frames`), `vidrep frames` at the
first, middle and last frame (against the ffmpeg CLI's `select=eq(n\\,I)` frame), a uniform clip
read at 64x64, and `vidrep audio` when the file has audio. Each file gets one verdict:
  exact    every step ran and matched ffmpeg
  error    vidrep refused the file with a clear error (exit status 2, one line naming the file);
           for damaged audio, `--lenient` is tried and said to work
  differs  vidrep's output differs from ffmpeg's
  crash    a signal, an internal error (exit status 1) or a memory error
  hang     a step ran past --timeout
  skipped  not a video to ffprobe either (audio-only files, translations named .ts)
and a table is printed. Exit status 1 when any file crashed or hung.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

PACKAGES = [
    "opencv-doc", "python3-imageio", "python3-mecavideo", "forensics-samples-files", "gem-doc",
    "pd-extendedview", "planetblupi-common", "golang-github-gabriel-vasile-mimetype-dev",
    "gnome-user-docs", "lebiniou-data", "devede", "psychtoolbox-3-common", "k3b-data", "tupi-data",
    "python-kivy-examples", "wx3.2-examples",
]
EXTENSIONS = (".avi", ".mp4", ".mov", ".mkv", ".webm", ".ogv", ".ogg", ".mpg", ".mpeg", ".flv",
              ".wmv", ".3gp", ".m4v", ".ts", ".dv", ".asf", ".qt", ".gif")


def install(packages):
    missing = [p for p in packages if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout.find("install ok installed") < 0]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False)
    for p in missing:  # one by one: a package this release lacks must not stop the others
        r = subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", p],
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), capture_output=True, text=True)
        if r.returncode != 0:
            print(f"real_footage: could not install {p}", file=sys.stderr)


def package_videos(packages):
    """Every video file the packages ship, each content once (gnome-user-docs ships the same
    screencasts in every language)."""
    files, seen = [], set()
    for p in packages:
        r = subprocess.run(["dpkg", "-L", p], capture_output=True, text=True)
        for path in sorted(r.stdout.split("\n")):
            if not (path.lower().endswith(EXTENSIONS) and os.path.isfile(path) and os.path.getsize(path) > 0):
                continue
            with open(path, "rb") as f:
                digest = hashlib.sha1(f.read()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                files.append(path)
    return sorted(files)


def has_stream(path, kind):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", kind, "-show_entries", "stream=index",
                        "-of", "csv=p=0", path], capture_output=True, text=True)
    return r.stdout.strip() != ""


def ffprobe_frames(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                        "stream=nb_read_frames", "-of", "csv=p=0", path], capture_output=True, text=True)
    try:
        return int(r.stdout.strip().split("\n")[0].strip(","))
    except ValueError:
        return None


def ffmpeg_frame(path, index, h, w):
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf", f"select=eq(n\\,{index})",
                        "-fps_mode", "passthrough", "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
                       capture_output=True)
    if len(r.stdout) != h * w * 3:
        return None
    return np.frombuffer(r.stdout, np.uint8).reshape(h, w, 3)


class Step(Exception):
    def __init__(self, verdict, detail):
        super().__init__(detail)
        self.verdict, self.detail = verdict, detail


def run(cmd, timeout):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Step("hang", f"{os.path.basename(cmd[0])} {cmd[1]} ran past {timeout} s")
    err = r.stderr.strip().split("\n")[-1] if r.stderr.strip() else ""
    if r.returncode < 0 or r.returncode == 1 or "Sanitizer" in r.stderr or r.returncode >= 128:
        raise Step("crash", f"{cmd[1]}: exit {r.returncode}: {err}")
    if r.returncode == 2:
        raise Step("error", f"{cmd[1]}: {err}")
    if r.returncode != 0:
        raise Step("crash", f"{cmd[1]}: exit {r.returncode}: {err}")
    return r.stdout


def check(vidrep, path, timeout, tmp):
    if not has_stream(path, "v:0"):
        raise Step("skipped", "ffprobe finds no video stream (not a video)")
    info = json.loads(run([vidrep, "probe", "--json", path], timeout))
    videos = [s for s in info["streams"] if s["type"] == "video" and s.get("frames", 0) > 0]
    if not videos:
        raise Step("error", "no video stream")
    v = videos[0]
    n, w, h = v["frames"], v["width"], v["height"]
    expected = ffprobe_frames(path)
    if expected is not None and expected != n:
        raise Step("differs", f"{n} frames, ffprobe counts {expected}")
    indices = sorted({0, n // 2, n - 1})
    out = os.path.join(tmp, "f.npy")
    run([vidrep, "frames", path, "--indices", ",".join(map(str, indices)), "--out", out], timeout)
    frames = np.load(out)
    worst = 0.0
    for k, i in enumerate(indices):
        ref = ffmpeg_frame(path, i, frames.shape[1], frames.shape[2])
        if ref is None:
            continue  # the ffmpeg CLI could not give that frame at that size; nothing to compare
        mad = float(np.abs(frames[k].astype(np.int16) - ref.astype(np.int16)).mean())
        worst = max(worst, mad)
    if worst > 1.5:
        raise Step("differs", f"frames differ from ffmpeg's (mean abs diff {worst:.2f})")
    run([vidrep, "clips", path, "--sampler", "uniform", "--clips", "2", "--length", "4", "--size", "64x64",
         "--out", os.path.join(tmp, "c.npy")], timeout)
    note = ""
    if has_stream(path, "a:0"):
        audio = [vidrep, "audio", path, "--rate", "16000", "--mono", "--out", os.path.join(tmp, "a.npy")]
        try:
            run(audio, timeout)
        except Step as s:
            if s.verdict != "error":
                raise
            run(audio + ["--lenient"], timeout)  # still a clean error unless --lenient reads it
            raise Step("error", f"{s.detail} (the video is exact; --lenient reads the audio)")
        note = ", audio"
    warnings = "; ".join(info.get("warnings", []))
    return f"{n} frames {w}x{h} {v['codec']}{note}" + (f" (warning: {warnings})" if warnings else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="files to check (default: every video in the packages)")
    ap.add_argument("--vidrep", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin", "vidrep"))
    ap.add_argument("--timeout", type=int, default=300, help="seconds one vidrep step may take")
    ap.add_argument("--no-install", action="store_true", help="use what is installed")
    args = ap.parse_args()
    files = args.files
    if not files:
        if not args.no_install:
            install(PACKAGES)
        files = package_videos(PACKAGES)
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            try:
                verdict, detail = "exact", check(args.vidrep, path, args.timeout, tmp)
            except Step as s:
                verdict, detail = s.verdict, s.detail
            counts[verdict] = counts.get(verdict, 0) + 1
            print(f"{verdict:8} {path}: {detail}", flush=True)
    print("\n| verdict | files |\n|---|---|")
    for verdict in ("exact", "error", "differs", "crash", "hang", "skipped"):
        print(f"| {verdict} | {counts.get(verdict, 0)} |")
    print(f"| all | {len(files)} |")
    return 1 if counts.get("crash", 0) or counts.get("hang", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
