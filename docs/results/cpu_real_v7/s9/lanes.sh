# Session 9, after run 7: outside-DVC runs at run 7's recipe (profiles/real-cpu-v7.yaml), two lanes at once,
# one thread each on the 2-core box (one thread per run gives more runs per hour than one run at a time on
# two threads). Lane A: the baseline at batch 1; lane B: dense at batch 1 (goal 1: run 7's batch 2 helped
# the paper variants over run 6's batch 4). EMA decay 0.9995 keeps its horizon at about 5 epochs (1,860 steps at batch 1). Seeded like run 7 (train.seed 0).
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=1
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
OUT=${OUT:-/work/s9}
T="python -m nircolor.cli train --data /work/shared/data/vcip2020 --params /work/main/params.yaml --profile /work/main/profiles/real-cpu-v7.yaml --quiet --set train.num_threads=1"
one() {  # name, variant, extra --set arguments
  local name=$1 variant=$2; shift 2
  SECONDS=0; echo "START $name $(date +%T)"
  $T --variant "$variant" --out "$OUT/$name" "$@"
  echo "WALL $name $SECONDS s"
}
case "${1:-}" in
  A) one baseline_b1 baseline --set train.batch_size=1 --set train.ema_decay=0.9995 ;;
  B) one dense_b1 dense --set train.batch_size=1 --set train.ema_decay=0.9995 ;;
  *) echo "usage: lanes.sh A|B" >&2; exit 2 ;;
esac
