# session 40: profiles/real-cpu-v28-paper-zen4.yaml for one paper variant (baseline | dense) at seed SEED (default 0);
# THREADS threads (default 1), into $ROOT/<variant>_seed<seed> (default ROOT /work/s40). Both variants ran side by
# side, one thread each (runs 65 baseline, 66 dense), the recipe's 75 minutes being both together.
T=${THREADS:-1}; v=$1; seed=${SEED:-0}; shift; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out ${ROOT:-/work/s40}/${v}_seed$seed --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v28-paper-zen4.yaml --variant $v --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
