# Session 9: the two single-term runs at λ1 = 10 that sessions 5, 7 and 8 queued and dropped, at run 7's
# recipe (profiles/real-cpu-v7.yaml), outside DVC: dense with λ1 = 10 and the angle term alone, and with the
# edge term alone (dense_plus = λ1 10 + all three terms is run 7's). Two lanes at once, one thread each.
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=1
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
OUT=${OUT:-/work/s9/abl}
T="python -m nircolor.cli train --data /work/shared/data/vcip2020 --params /work/main/params.yaml --profile /work/main/profiles/real-cpu-v7.yaml --quiet --variant dense --set train.num_threads=1 --set loss.lambda_cycle=10"
one() {  # name, extra --set arguments
  local name=$1; shift
  SECONDS=0; echo "START $name $(date +%T)"
  $T --out "$OUT/$name" "$@"
  echo "WALL $name $SECONDS s"
}
one l10_angle --set loss.lambda_angle=60 &
one l10_edge --set loss.lambda_edge=40 &
wait
echo "DONE $(date +%T)"
