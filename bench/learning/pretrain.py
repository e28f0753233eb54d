#!/usr/bin/python3
"""Does self-supervised pretraining help on small labelled sets? For each model: `vidrep pretrain` on
the unlabelled union of the evaluation sets' training videos plus real footage from Debian packages,
then per set, with N labelled videos per class, `vidrep train` from scratch and `vidrep train --init
PRETRAINED`, every other flag at its default, and `vidrep eval --split test` (the set's untouched
test videos). Prints one line per run and a table.

  bench/learning/make_sets.py SETS
  bench/learning/pretrain.py SETS OUT [--models vit,c3d] [--per-class 10,30] [--vidrep build/bin/vidrep]

OUT gets: unlabelled/ (symlinks), small/SET-N/ (the first N training videos per class, symlinked,
and the set's test split), pre_MODEL/ (pretrain runs), scratch_/init_ runs and results.jsonl.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

CLASSES = ("left", "right", "up", "down")
REAL = ["/usr/share/doc/opencv-doc/examples/data/" + f for f in ("vtest.avi", "Megamind.avi", "example.avi", "tree.avi")]
REAL_GLOBS = ["/usr/lib/python3/dist-packages/imageio/**/cockatoo.mp4", "/usr/share/**/lebiniou*.mp4",
              "/usr/share/**/balle-jbart.mp4"]


def link(src, dst):
    if not os.path.lexists(dst):
        os.symlink(os.path.abspath(src), dst)


def unlabelled(sets_dir, sets, out):
    d = os.path.join(out, "unlabelled")
    os.makedirs(d, exist_ok=True)
    for s in sets:
        for f in sorted(glob.glob(os.path.join(sets_dir, s, "train", "*", "*.mp4"))):
            link(f, os.path.join(d, "%s_%s_%s" % (s, os.path.basename(os.path.dirname(f)), os.path.basename(f))))
    real = [f for f in REAL if os.path.exists(f)]
    for pattern in REAL_GLOBS:
        real += glob.glob(pattern, recursive=True)
    for f in real:
        link(f, os.path.join(d, "real_" + os.path.basename(f)))
    return d, len(real)


def subset(sets_dir, s, n, out):
    d = os.path.join(out, "small", "%s-%d" % (s, n))
    for c in CLASSES:
        os.makedirs(os.path.join(d, "train", c), exist_ok=True)
        for f in sorted(glob.glob(os.path.join(sets_dir, s, "train", c, "*.mp4")))[:n]:
            link(f, os.path.join(d, "train", c, os.path.basename(f)))
    link(os.path.join(sets_dir, s, "test"), os.path.join(d, "test"))
    return d


def run(cmd, log):
    with open(log, "w") as f:
        subprocess.run(cmd, stdout=subprocess.PIPE, stderr=f, check=True, text=True)


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def train_and_eval(vidrep, data, model, run_dir, extra):
    t0 = time.time()
    out = subprocess.run([vidrep, "train", "--data", data, "--model", model, "--out", run_dir, "--json"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True, text=True).stdout
    seconds = time.time() - t0
    ev = subprocess.run([vidrep, "eval", "--run", run_dir, "--split", "test", "--json"], stdout=subprocess.PIPE,
                        check=True, text=True).stdout
    return {"accuracy": last_json(ev)["accuracy"], "epochs": last_json(out)["epochs_done"], "seconds": seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets")
    ap.add_argument("out")
    ap.add_argument("--sets-list", default="squares,textured,discs,final")
    ap.add_argument("--models", default="vit,c3d")
    ap.add_argument("--per-class", default="10,30")
    ap.add_argument("--vidrep", default=os.path.join(os.path.dirname(__file__), "../../build/bin/vidrep"))
    a = ap.parse_args()
    sets = a.sets_list.split(",")
    os.makedirs(a.out, exist_ok=True)
    data, real = unlabelled(a.sets, sets, a.out)
    print("unlabelled: %d videos (%d real)" % (len(os.listdir(data)), real), flush=True)
    results = []
    for model in a.models.split(","):
        pre = os.path.join(a.out, "pre_" + model)
        if not os.path.exists(os.path.join(pre, "best.pt")):
            t0 = time.time()
            run([a.vidrep, "pretrain", "--data", data, "--model", model, "--out", pre, "--json"], pre + ".log")
            print("pretrain %s: %.0f s" % (model, time.time() - t0), flush=True)
        for n in map(int, a.per_class.split(",")):
            for s in sets:
                small = subset(a.sets, s, n, a.out)
                for arm, extra in (("scratch", []), ("init", ["--init", pre])):
                    r = train_and_eval(a.vidrep, small, model, os.path.join(a.out, "%s_%s_%s-%d" % (arm, model, s, n)),
                                       extra)
                    r.update(model=model, set=s, per_class=n, arm=arm)
                    results.append(r)
                    print(json.dumps(r), flush=True)
    with open(os.path.join(a.out, "results.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in results)
    print("\n| model | labelled/class | set | scratch | pretrained | gain |\n|---|---|---|---|---|---|")
    for r in results:
        if r["arm"] != "init":
            continue
        base = next(x for x in results if x["arm"] == "scratch" and all(x[k] == r[k] for k in ("model", "set", "per_class")))
        print("| %s | %d | %s | %.1f %% | %.1f %% | %+.1f |" % (r["model"], r["per_class"], r["set"], 100 * base["accuracy"],
                                                             100 * r["accuracy"], 100 * (r["accuracy"] - base["accuracy"])))


if __name__ == "__main__":
    sys.exit(main())
