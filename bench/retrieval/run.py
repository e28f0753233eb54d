#!/usr/bin/python3
"""Copy detection on real footage: every representation vidrep offers, per transformation.

  /usr/bin/python3 bench/retrieval/run.py [--set DIR] [--run RUN_DIR ...] [--quick]

The set (bench/retrieval/make_set.py, made under build/bench-data/copydet if missing) holds
reference and distractor videos from Debian packages and queries made from them with the ffmpeg
CLI. For each representation, `vidrep index build` indexes refs/ and distractors/, `vidrep search
--json` answers every query, and this script scores the answers per transformation and overall:
recall@1, mAP, micro-AP (VSC22: all queries' scored pairs pooled), segment AP (a pair counts when
its query and reference segments each overlap the truth's by IoU >= 0.5). `vidrep eval retrieval`
scores the same index too, as a check of these numbers. Representations: features (vidrep's
handcrafted default), features:color_hist (a plain global colour histogram: the baseline), and
run:DIR / ae:DIR for each --run / --ae given. Also: the score of the best unrelated pair against
the copy threshold, and the time `vidrep embed` takes on the longest reference next to the ffmpeg
CLI's decode of the same file (medians of 3).
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIDREP = os.path.join(ROOT, "build", "bin", "vidrep")
COPY_THRESHOLD = 0.6  # retrieval/matching.h kCopyThreshold


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def load_truth(set_dir):
    truth = []
    for line in open(os.path.join(set_dir, "truth.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        t = {"query": os.path.realpath(os.path.join(set_dir, f[0])), "transform": f[6] if len(f) > 6 else "?"}
        if f[1] != "-":
            t["ref"] = os.path.realpath(os.path.join(set_dir, f[1]))
            t["segment"] = tuple(map(float, f[2:6]))
        truth.append(t)
    return truth


def iou(a0, a1, b0, b1):
    inter = max(0.0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else 0.0


def average_precision(ranked, positives):
    found, total = 0, 0.0
    for r, ok in enumerate(ranked):
        if ok:
            found += 1
            total += found / (r + 1)
    return total / positives if positives else 0.0


def score(truth, answers):
    """Metrics over the truth's queries (one true ref each, or none)."""
    pooled, recall1, aps, positives = [], 0, [], 0
    for t in truth:
        hits = answers.get(t["query"], [])
        ranked = []
        for h in hits:
            ok = "ref" in t and os.path.realpath(h["path"]) == t["ref"] and not any(ranked)
            seg = ok and iou(h["query_start"], h["query_end"], *t["segment"][0:2]) >= 0.5 \
                and iou(h["ref_start"], h["ref_end"], *t["segment"][2:4]) >= 0.5
            ranked.append(ok)
            pooled.append((h["score"], ok, seg))
        if "ref" in t:
            positives += 1
            recall1 += bool(ranked and ranked[0])
            aps.append(average_precision(ranked, 1))
    pooled.sort(key=lambda p: -p[0])
    return {"queries": len(truth), "recall_at_1": recall1 / max(positives, 1), "map": sum(aps) / max(positives, 1),
            "micro_ap": average_precision([p[1] for p in pooled], positives),
            "segment_ap": average_precision([p[2] for p in pooled], positives)}


def evaluate(set_dir, method, work, truth):
    name = method.replace(":", "_").replace("/", "_").replace(",", "+")
    index = os.path.join(work, "idx_" + name)
    t0 = time.time()
    sh([VIDREP, "index", "build", os.path.join(set_dir, "refs"), os.path.join(set_dir, "distractors"),
        "--method", method, "--out", index])
    built = time.time() - t0
    queries = sorted({t["query"] for t in truth})
    t0 = time.time()
    out = sh([VIDREP, "search", index, *queries, "--k", "10", "--json"])
    searched = time.time() - t0
    answers = {}
    for line in out.splitlines():
        j = json.loads(line)
        answers[os.path.realpath(j["query"])] = j.get("hits", [])
    # Per transformation: its copies, and every negative query (whose hits are false positives).
    by_transform = collections.defaultdict(list)
    negatives = [t for t in truth if "ref" not in t]
    for t in truth:
        if "ref" in t:
            by_transform[t["transform"]].append(t)
    rows = {tr: score(ts + negatives, answers) for tr, ts in sorted(by_transform.items())}
    rows["ALL"] = score(truth, answers)
    # The best-scoring pair that is not a copy, over every query's hits.
    truth_ref = {t["query"]: t.get("ref") for t in truth}
    unrelated = [h["score"] for q, hits in answers.items() for h in hits if os.path.realpath(h["path"]) != truth_ref.get(q)]
    copies = [h["score"] for q, hits in answers.items() for h in hits if os.path.realpath(h["path"]) == truth_ref.get(q)]
    copies += [0.0] * (sum("ref" in t for t in truth) - len(copies))  # copies not found at all
    check = json.loads(sh([VIDREP, "eval", "retrieval", "--index", index, "--truth",
                           os.path.join(set_dir, "truth.tsv"), "--json"]))
    return rows, max(unrelated, default=0.0), sum(s >= COPY_THRESHOLD for s in unrelated), len(unrelated), built, \
        searched, len(queries), check, copies


def embed_speed(set_dir, work):
    refs = [os.path.join(set_dir, "refs", f) for f in os.listdir(os.path.join(set_dir, "refs"))]
    longest = max(refs, key=lambda p: float(sh(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                                "csv=p=0", p])))
    floor, ours = [], []
    for _ in range(3):
        t0 = time.time()
        sh(["ffmpeg", "-v", "error", "-threads", "2", "-i", longest, "-f", "null", "-"])
        floor.append(time.time() - t0)
        t0 = time.time()
        sh([VIDREP, "embed", longest, "--out", os.path.join(work, "speed.npz")])
        ours.append(time.time() - t0)
    return longest, statistics.median(floor), statistics.median(ours)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=os.path.join(ROOT, "build", "bench-data", "copydet"))
    ap.add_argument("--run", action="append", default=[], help="a trained run to compare (run:DIR)")
    ap.add_argument("--ae", action="append", default=[], help="an autoencoder run to compare (ae:DIR)")
    ap.add_argument("--quick", action="store_true", help="make a quick set if the set is missing")
    ap.add_argument("--only-runs", action="store_true", help="score only the --run / --ae representations")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.set, "truth.tsv")):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "retrieval", "make_set.py"), args.set] +
                       (["--quick"] if args.quick else []), check=True)
    work = os.path.join(os.path.dirname(os.path.abspath(args.set)), "copydet-work")
    os.makedirs(work, exist_ok=True)
    truth = load_truth(args.set)
    methods = ([] if args.only_runs else ["features", "features:color_hist"]) + ["run:" + r for r in args.run] + ["ae:" + r for r in args.ae]
    print(f"set: {args.set}: {len(os.listdir(os.path.join(args.set, 'refs')))} refs, "
          f"{len(os.listdir(os.path.join(args.set, 'distractors')))} distractors, {len(truth)} queries")
    for method in methods:
        rows, worst, above, pairs, built, searched, nq, check, copies = evaluate(args.set, method, work, truth)
        print(f"\n{method}: index built in {built:.1f} s, {nq} queries searched in {searched:.1f} s")
        print(f"  {'transform':12s} {'n':>3s} {'R@1':>6s} {'mAP':>6s} {'uAP':>6s} {'segAP':>6s}")
        for tr, m in rows.items():
            print(f"  {tr:12s} {m['queries']:3d} {m['recall_at_1']:6.3f} {m['map']:6.3f} {m['micro_ap']:6.3f} "
                  f"{m['segment_ap']:6.3f}")
        print(f"  unrelated pairs: best score {worst:.3f}; {above} of {pairs} at or above the copy threshold "
              f"{COPY_THRESHOLD}")
        print(f"  copies: {sum(c >= COPY_THRESHOLD for c in copies)} of {len(copies)} at or above the copy threshold, "
              f"{sum(c > worst for c in copies)} above the best unrelated score")
        print(f"  vidrep eval retrieval: R@1 {check['recall_at_1']:.3f} mAP {check['map']:.3f} "
              f"uAP {check['micro_ap']:.3f} segAP {check['segment_ap']:.3f}")
    longest, floor, ours = embed_speed(args.set, work)
    print(f"\nembedding at 1 descriptor/s: {os.path.basename(longest)}: ffmpeg decode {floor:.2f} s, "
          f"vidrep embed {ours:.2f} s = {ours / floor:.2f}x the decode floor (whole processes, medians of 3)")


if __name__ == "__main__":
    main()
