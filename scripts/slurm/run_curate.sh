#!/bin/bash
# Curation on Slurm: TASKS array tasks stage the videos, then a job that depends on all of them
# merges. Prints the two job ids.
#   scripts/slurm/run_curate.sh INPUT OUT [TASKS] [CONFIG]
set -euo pipefail
input=${1:?usage: run_curate.sh INPUT OUT [TASKS] [CONFIG]}
out=${2:?usage: run_curate.sh INPUT OUT [TASKS] [CONFIG]}
tasks=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
export INPUT="$input" OUT="$out" CONFIG="${4:-}" VIDREP="${VIDREP:-vidrep}"
mkdir -p "$out"
array=$(sbatch --parsable --array=0-$((tasks - 1)) --export=ALL --chdir="$out" "$here/curate.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL --chdir="$out" "$here/merge.sbatch")
echo "array job $array ($tasks tasks), merge job $merge"
