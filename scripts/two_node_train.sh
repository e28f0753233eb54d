#!/usr/bin/env bash
# A two-machine data-parallel training run on one host: two network namespaces ("machines")
# joined by a veth pair (10.77.0.1 and 10.77.0.2, no other traffic), each running
#   vidrep train ... --nnodes 2 --node-rank K --master-addr 10.77.0.1 --nproc-per-node 1
# then the same training in one process with the same global batch, and the two runs' per-epoch
# training losses side by side (SGD: they agree to float rounding). Needs root (ip netns) and a build;
# exits 77 (CTest's "skipped") where network namespaces cannot be made.
#   scripts/two_node_train.sh [DATA]    (default: a small `vidrep synth --kind motion` set)
set -euo pipefail
cd "$(dirname "$0")/.."
vidrep=$PWD/build/bin/vidrep
work=$(mktemp -d /tmp/vidrep-two-node-XXXXXX)
data=${1:-$work/motion}
[ -e "$data/train.txt" ] || "$vidrep" synth --kind motion --per-class 12 --out "$data" >/dev/null
cleanup() {
  ip netns del vidrep-node0 2>/dev/null || true
  ip netns del vidrep-node1 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if ! command -v ip >/dev/null || ! ip netns add vidrep-node0 2>/dev/null; then
  echo "two-node run skipped: cannot make network namespaces here (needs root and iproute2)"
  exit 77
fi
ip netns add vidrep-node1
for k in 0 1; do ip -n vidrep-node$k link set lo up; done
ip link add vidrep-veth0 netns vidrep-node0 type veth peer name vidrep-veth1 netns vidrep-node1
for k in 0 1; do
  ip -n vidrep-node$k addr add 10.77.0.$((k + 1))/24 dev vidrep-veth$k
  ip -n vidrep-node$k link set vidrep-veth$k up
done
train=(train --data "$data" --model vit --dropout 0 --clip-len 8 --size 32x32 --optimizer sgd --lr 0.05
       --batch 8 --epochs 3 --patience 0 --threads 1 --workers 1 --seed 5)
start=$(date +%s%N)
for k in 1 0; do
  ip netns exec vidrep-node$k "$vidrep" "${train[@]}" --nnodes 2 --node-rank $k --master-addr 10.77.0.1 \
    --master-port 29555 --out "$work/node$k" > "$work/node$k.log" 2>&1 &
done
wait -n && wait -n || { echo "two-node run failed:"; cat "$work"/node*.log; exit 1; }
two=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
"$vidrep" "${train[@]}" --out "$work/one" > "$work/one.log" 2>&1
one=$(( ($(date +%s%N) - start) / 1000000 ))
[ ! -e "$work/node1/metrics.jsonl" ] || { echo "node 1 wrote a run folder: only rank 0 may"; exit 1; }
/usr/bin/python3 - "$work/node0/metrics.jsonl" "$work/one/metrics.jsonl" "$two" "$one" <<'PY'
import json, sys
two = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
one = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("epoch  train loss, 2 machines  train loss, 1 process  val acc (2 / 1)")
worst = 0.0
for a, b in zip(two, one):
    worst = max(worst, abs(a["train_loss"] - b["train_loss"]) / abs(b["train_loss"]))
    print(f"{a['epoch']:5d}  {a['train_loss']:22.7f}  {b['train_loss']:21.7f}  {a['val_accuracy']:.3f} / {b['val_accuracy']:.3f}")
print(f"largest relative loss difference {worst:.2e}; world size {two[0]['world_size']}; "
      f"wall {int(sys.argv[3]) / 1e3:.1f} s (2 machines) vs {int(sys.argv[4]) / 1e3:.1f} s (1 process)")
sys.exit(0 if worst < 1e-4 else 1)
PY
