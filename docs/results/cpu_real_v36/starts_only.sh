# Session 44, added after runs 82 and 83 finished (both kept their own seed): the v32 recipe's starts alone for two more
# seed pairs, to count how often the 36 held-out pairs rank two starts as the validation pairs do at epoch 12.
# Phase 1 cut to the 12 start epochs and phases 2 and 3 to none: phase 1's learning rate is constant and every epoch's
# draws come from (seed, epoch), so each start's 12 epochs are the recipe's own. Reported, not a decision.
# Usage: CODE=/work/s44/code ROOT=/work/s44 SEED=4 bash docs/results/cpu_real_v36/starts_only.sh   (then starts.py)
set -e; code=${CODE:?}; seed=${SEED:?}; out=${ROOT:?}/starts_only_seed$seed; source /work/main/.venv/bin/activate
export PYTHONPATH=$code/src:$code OMP_NUM_THREADS=1 NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 MLFLOW_DISABLE_TELEMETRY=true
SECONDS=0; cd $code
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out $out --params $code/params.yaml \
  --profile $code/profiles/real-cpu-v32-plus-starts.yaml --variant dense_plus --set train.num_threads=1 \
  --set train.seed=$seed --set schedule.phase1=12 --set schedule.phase2=0 --set schedule.phase3=0
echo "WALL $SECONDS"
