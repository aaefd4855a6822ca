# ablation runs of the real-cpu-v2 recipe: dense + one change, one core, with the realrun clone's code
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/realrun/src:/work/realrun OMP_NUM_THREADS=1
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
name=$1; shift
SECONDS=0
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/abl/$name --params /work/realrun/params.yaml \
  --profile /work/realrun/profiles/real-cpu-v2.yaml --variant dense --quiet "$@"
echo "WALL $SECONDS"
