# Session 47: run.sh with the thread count a parameter (THREADS, default 2): one run of a dense_plus profile outside
# DVC on the code checked out at CODE, seed SEED, into ROOT/<profile name>_seed<SEED>_t<THREADS>; prints `WALL <s>`.
# Usage: CODE=/work/s46/code ROOT=/work/s47 SEED=8 THREADS=2 PROFILE=profiles/real-cpu-v33-plus-gan01.yaml bash docs/results/cpu_real_v38/run_threads.sh
set -e; code=${CODE:?}; seed=${SEED:-0}; t=${THREADS:-2}; profile=${PROFILE:?}; name=$(basename "$profile" .yaml)
out=${ROOT:?}/${name}_seed${seed}_t$t; source /work/main/.venv/bin/activate
export PYTHONPATH=$code/src:$code OMP_NUM_THREADS=$t NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 MLFLOW_DISABLE_TELEMETRY=true
SECONDS=0; cd $code; git log --oneline -1
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out $out --params $code/params.yaml \
  --profile $code/$profile --variant dense_plus --set train.num_threads=$t --set train.seed=$seed
echo "WALL $SECONDS"
