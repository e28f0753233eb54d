#!/usr/bin/python3
"""Speed of `vidrep watch` on a 1280x720 30 fps stream, with tracking and rules only or with a learned
model (the issue's goals: >= 3x real time with tracking and rules, >= 1.0x with the learned model,
and <= 1 s from an event's first frame to its alert line).

  /usr/bin/python3 bench/track/watch_speed.py [--runs 5] [--seconds 60] [--model density|predict|both|RUN]

--model adds `watch --model RUN`: a run directory, or a method name, for which a run is trained
once by `vidrep anomaly train --method M` on vtest.avi's first 50 s (bench/track/anomaly.py's
learning and held-out files) and kept in build/bench-data/watch/model-M.

The stream is real CCTV footage: opencv-doc's vtest.avi (768x576, 10 fps, pedestrians) scaled
to 1280x720 and brought to 30 fps by the ffmpeg CLI, H.264 in MPEG-TS (made under
build/bench-data/watch if missing). Zones: the right quarter of the picture (intrusion) and the
whole picture (speed, loitering), as in README's example.

1. Capacity: `vidrep watch FILE` whole process, as fast as it can read: seconds of video per
   second of wall time (x real time), beside `ffmpeg -i FILE -f null -` (the decode floor) on the
   same file in the same run. Medians of --runs.
2. Live: the file sent by `ffmpeg -re ... -f mpegts udp://127.0.0.1:PORT` while `vidrep watch
   udp://...` reads it: frames analysed out of those sent, and the latency of each alert line
   (the wall time it was printed less the wall time its start frame was sent: the sender's start
   plus the frame's time; for loitering, the frame where the stay reached loiter_seconds),
   median and worst. The sender starts once the watcher listens (its socket is bound); the
   sender's own start-up counts against vidrep.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from anomaly import vtest_set  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDREP = os.path.join(ROOT, "build", "bin", "vidrep")
SOURCE = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
ZONES = {"zones": [{"name": "right", "polygon": [[0.75, 0], [1, 0], [1, 1], [0.75, 1]], "intrusion": True},
                   {"name": "all", "max_speed": 0.15, "loiter_seconds": 20}]}


def make_stream(path, seconds):
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp.ts"
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-stream_loop", "-1", "-i", SOURCE, "-t", str(seconds),
                    "-vf", "scale=1280:720,fps=30", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
                    "-pix_fmt", "yuv420p", "-f", "mpegts", tmp], check=True)
    os.rename(tmp, path)


def model_run(model):
    """A run directory for --model: the given one, or one trained by `anomaly train --method model`."""
    if model not in ("density", "predict", "both"):
        return model
    run = os.path.join(ROOT, "build", "bench-data", "watch", f"model-{model}")
    if not os.path.exists(os.path.join(run, "model.json")):
        vt = vtest_set(os.path.join(ROOT, "build", "bench-data", "vtest-anomaly"))
        start = time.perf_counter()
        subprocess.run([VIDREP, "anomaly", "train", "--data", os.path.join(vt, "1-learn.mp4"), os.path.join(vt, "2-holdout.mp4"),
                        "--out", run, "--method", model], check=True, stdout=subprocess.DEVNULL)
        print(f"trained {run} in {time.perf_counter() - start:.0f} s")
    return run


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def wait_bound(port, process, limit=60):
    """Waits until a UDP socket is bound to `port` (/proc/net/udp): the watcher is listening, its
    start-up (loading LibTorch and a model takes seconds) over, so that no frame is sent to nobody."""
    local = f":{port:04X}"  # the local_address column ends with the port in hex
    deadline = time.time() + limit
    while time.time() < deadline and process.poll() is None:
        for table in ("/proc/net/udp", "/proc/net/udp6"):
            with open(table) as f:
                if any(line.split()[1].endswith(local) for line in f.readlines()[1:]):
                    return
        time.sleep(0.05)
    sys.exit(f"vidrep watch did not listen on UDP port {port} within {limit} s")


def live_run(stream, zones, port, seconds, extra):
    url = f"udp://127.0.0.1:{port}"
    watch = subprocess.Popen([VIDREP, "watch", url, "--zones", zones, "--json", "--timeout", "3", "--reconnects", "0", *extra],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wait_bound(port, watch)
    sent_at = time.time()
    sender = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-re", "-i", stream, "-c", "copy", "-f", "mpegts", url])
    frames, latencies = 0, []
    for line in watch.stdout:
        now = time.time()
        j = json.loads(line)
        if j["kind"] == "second":
            frames += j["frames"]
        elif j["kind"] == "alert":
            # A loiterer is one from the moment it has stayed the zone's loiter_seconds (the
            # alert's end); the other alerts' events begin at their start.
            latencies.append(now - (sent_at + (j["end"] if j["type"] == "loitering" else j["start"])))
    sender.wait()
    watch.wait()
    return frames, latencies, int(round(seconds * 30))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--model", help="density|predict|both (a run trained on vtest.avi) or a run directory")
    args = ap.parse_args()
    if not os.path.exists(SOURCE):
        sys.exit(f"{SOURCE} is missing: apt-get install opencv-doc")
    stream = os.path.join(ROOT, "build", "bench-data", "watch", f"vtest-720p30-{args.seconds}s.ts")
    make_stream(stream, args.seconds)
    extra = ["--model", model_run(args.model)] if args.model else []
    what, goal = (f"model {args.model}", 1.0) if args.model else ("tracking + rules", 3.0)
    with tempfile.TemporaryDirectory() as tmp:
        zones = os.path.join(tmp, "zones.json")
        with open(zones, "w") as f:
            json.dump(ZONES, f)
        watch_s, ffmpeg_s = [], []
        for _ in range(args.runs):
            watch_s.append(timed([VIDREP, "watch", stream, "--zones", zones, "--json", *extra]))
            ffmpeg_s.append(timed(["ffmpeg", "-nostdin", "-v", "error", "-i", stream, "-f", "null", "-"]))
        w, f = statistics.median(watch_s), statistics.median(ffmpeg_s)
        print(f"{args.seconds} s of 1280x720 at 30 fps ({os.path.basename(stream)}), medians of {args.runs}:")
        print(f"  vidrep watch ({what}): {w:.2f} s wall = {args.seconds / w:.1f}x real time (goal >= {goal:g}x)")
        print(f"  ffmpeg -f null (decode only):    {f:.2f} s wall = {args.seconds / f:.1f}x real time; "
              f"watch / decode = {w / f:.2f}")
        frames, latencies, sent = live_run(stream, zones, 20000 + os.getpid() % 20000, args.seconds, extra)
    print(f"live over loopback UDP: {frames} of {sent} frames analysed; {len(latencies)} alerts, latency from the "
          f"event's first frame to its line: median {statistics.median(latencies):.2f} s, worst {max(latencies):.2f} s "
          f"(goal <= 1 s)" if latencies else f"live: {frames} of {sent} frames analysed; no alerts")


if __name__ == "__main__":
    main()
