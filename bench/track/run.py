#!/usr/bin/python3
"""Tracking accuracy on the surveillance synthesiser's scenes: MOTA and IDF1 of `vidrep track`
against their exact ground truth, scored by `vidrep eval track` (MOTChallenge's CLEAR MOT and IDF1).

  /usr/bin/python3 bench/track/run.py [--seed 1]

The set (made under build/bench-data/surveillance-SEED if missing) is `vidrep synth --kind
surveillance --normal 8 --test 4 --seconds 60`: 12 scenes of 60 s at 640x360, 25 fps, people on
a two-lane walkway (crossing and overtaking one another), camera noise and a lighting drift; the
test scenes add running, wrong-way walkers, loiterers, falls, a left bag and a car. Printed per
scene, then pooled over all frames (as MOTChallenge reports a set) and the median of the scenes.
Goals (issue 16): MOTA >= 0.85, IDF1 >= 0.80.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDREP = os.path.join(ROOT, "build", "bin", "vidrep")
SECONDS = 60


def surveillance_set(seed):
    """The synthesiser's set for `seed`, made once."""
    folder = os.path.join(ROOT, "build", "bench-data", f"surveillance-{seed}")
    if not os.path.exists(os.path.join(folder, "test.txt")):
        subprocess.run([VIDREP, "synth", "--kind", "surveillance", "--out", folder, "--normal", "8", "--test", "4",
                        "--seconds", str(SECONDS), "--seed", str(seed), "--overwrite"], check=True)
    return folder


def videos(folder):
    out = []
    for name in ("normal.txt", "test.txt"):
        with open(os.path.join(folder, name)) as f:
            out += [os.path.join(folder, line.strip()) for line in f if line.strip()]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    folder = surveillance_set(args.seed)
    motas, idf1s, speeds = [], [], []
    pooled = dict(truth_boxes=0, misses=0, false_positives=0, id_switches=0)
    idtp_num, idf1_den = 0.0, 0.0
    for path in videos(folder):
        truth = path[:-4] + ".gt.txt"
        mot = path[:-4] + ".mot.txt"
        start = time.perf_counter()
        subprocess.run([VIDREP, "track", path, "--mot", mot], check=True, capture_output=True)
        wall = time.perf_counter() - start
        r = json.loads(subprocess.run([VIDREP, "eval", "track", "--truth", truth, "--result", mot, "--json"],
                                      check=True, capture_output=True, text=True).stdout)
        motas.append(r["mota"])
        idf1s.append(r["idf1"])
        speeds.append(SECONDS / wall)
        for k in pooled:
            pooled[k] += r[k]
        idtp_num += r["idf1"] * (r["truth_boxes"] + r["result_boxes"])
        idf1_den += r["truth_boxes"] + r["result_boxes"]
        print(f"{os.path.relpath(path, folder)}: {r['truth_ids']} objects, {r['result_ids']} tracks; MOTA {r['mota']:.3f} "
              f"IDF1 {r['idf1']:.3f} MOTP {r['motp']:.3f}; misses {r['misses']}, false {r['false_positives']}, "
              f"switches {r['id_switches']}; {SECONDS / wall:.1f}x real time")
    mota = 1 - (pooled["misses"] + pooled["false_positives"] + pooled["id_switches"]) / pooled["truth_boxes"]
    print(f"pooled over {len(motas)} scenes: MOTA {mota:.3f}, IDF1 {idtp_num / idf1_den:.3f} (goals 0.85 and 0.80); "
          f"median of scenes: MOTA {statistics.median(motas):.3f}, IDF1 {statistics.median(idf1s):.3f}; "
          f"{statistics.median(speeds):.1f}x real time (whole process)")


if __name__ == "__main__":
    sys.exit(main())
