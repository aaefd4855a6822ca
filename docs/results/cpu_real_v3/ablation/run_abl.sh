# ablation runs of the real-cpu-v3 recipe: dense + one added term; THREADS threads (default 1)
source /work/main/.venv/bin/activate
T=${THREADS:-1}
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
name=$1; shift
SECONDS=0
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/abl/v3_$name --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v3.yaml --variant dense --quiet --set train.num_threads=$T "$@"
echo "WALL $SECONDS"
