# session 33: run 48's recipe (profiles/real-cpu-v23-plus-84.yaml: run 31's dense_plus recipe at 84 epochs,
# 26 / 32 / 26) at another seed; THREADS threads (default 1). Two of these ran side by side, one thread each.
T=${THREADS:-1}; seed=$1; shift; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/seed33/seed$seed --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v23-plus-84.yaml --variant dense_plus --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
