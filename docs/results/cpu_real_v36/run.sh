# Session 44: one run of the v32 recipe (dense_plus, two starts chosen on 36 held-out pairs) outside DVC, on the
# code of a fixed commit checked out at CODE (so later edits of the working copy cannot reach a running process),
# one thread, seed SEED, into ROOT/plus_starts_seed<SEED>; prints the wall as `WALL <s>`.
# Usage: CODE=/work/s44/code ROOT=/work/s44 SEED=0 bash docs/results/cpu_real_v36/run.sh
set -e; code=${CODE:?}; seed=${SEED:-0}; out=${ROOT:?}/plus_starts_seed$seed; source /work/main/.venv/bin/activate
export PYTHONPATH=$code/src:$code OMP_NUM_THREADS=1 NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 MLFLOW_DISABLE_TELEMETRY=true
SECONDS=0; cd $code; git log --oneline -1
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out $out --params $code/params.yaml \
  --profile $code/profiles/real-cpu-v32-plus-starts.yaml --variant dense_plus \
  --set train.num_threads=1 --set train.seed=$seed
echo "WALL $SECONDS"
