# session 41: profiles/real-cpu-v29-paper-cutmix.yaml (the v28 paper-variant recipe with CutMix) for the baseline at
# seed SEED (default 0); THREADS threads (default 1), into $ROOT/cutmix_seed<seed> (default ROOT /work/s41).
T=${THREADS:-1}; seed=${SEED:-0}; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out ${ROOT:-/work/s41}/cutmix_seed$seed --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v29-paper-cutmix.yaml --variant baseline --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
