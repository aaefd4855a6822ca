# Session 46: one run of a dense_plus profile outside DVC, on the code of a fixed commit checked out at CODE (so
# later edits of the working copy cannot reach a running process), one thread, seed SEED, into
# ROOT/<profile name>_seed<SEED>; prints the wall as `WALL <s>`. (cpu_real_v36/run.sh with the profile a parameter.)
# THREADS=T (session 47, run 90) trains on T threads instead, into ROOT/<profile name>_seed<SEED>_t<T>.
# Usage: CODE=/work/s46/code ROOT=/work/s46 SEED=0 PROFILE=profiles/real-cpu-v33-plus-gan01.yaml bash docs/results/cpu_real_v38/run.sh
set -e; code=${CODE:?}; seed=${SEED:-0}; t=${THREADS:-1}; profile=${PROFILE:?}; name=$(basename "$profile" .yaml)
out=${ROOT:?}/${name}_seed$seed${THREADS:+_t$t}; source /work/main/.venv/bin/activate
export PYTHONPATH=$code/src:$code OMP_NUM_THREADS=$t NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 MLFLOW_DISABLE_TELEMETRY=true
SECONDS=0; cd $code; git log --oneline -1
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out $out --params $code/params.yaml \
  --profile $code/$profile --variant dense_plus --set train.num_threads=$t --set train.seed=$seed
echo "WALL $SECONDS"
