# session 7: the rest of the ablation at run 4's recipe and λ1 = 10 (dense + angle alone, dense + edge alone), seed 0, outside DVC
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
T="python -m nircolor.cli train --data /work/shared/data/vcip2020 --params /work/main/params.yaml --profile /work/main/profiles/real-cpu-v4.yaml --quiet --variant dense --set loss.lambda_cycle=10"
SECONDS=0; echo "START angle $(date +%T)"
$T --out /work/s7/abl_angle --set loss.lambda_angle=60
echo "WALL angle $SECONDS"
SECONDS=0; echo "START edge $(date +%T)"
$T --out /work/s7/abl_edge --set loss.lambda_edge=40
echo "WALL edge $SECONDS $(date +%T)"
