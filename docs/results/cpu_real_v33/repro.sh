# session 41: profiles/real-cpu-v24-plus-cycle1.yaml (dense_plus's reference recipe, runs 51-54) at seed SEED
# (default 0) on this session's box; THREADS threads (default 1), into $ROOT/cycle1_seed<seed> (default ROOT /work/s41).
# Run 71 (seed 0) ran beside run 70 (the paper's dense at seed 2, ../cpu_real_v32/run.sh), one thread each.
T=${THREADS:-1}; seed=${SEED:-0}; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out ${ROOT:-/work/s41}/cycle1_seed$seed --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v24-plus-cycle1.yaml --variant dense_plus --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
