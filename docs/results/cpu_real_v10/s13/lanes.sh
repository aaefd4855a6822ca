# Session 13, after run 15: is the paper's cycle weight what makes the baseline read a colour code in its own
# fake NIR (stego.py), and what it does to the baseline's AE? Outside DVC, run 9's recipe
# (profiles/real-cpu-v8-paper.yaml) for phases 1 and 2 only (22 epochs, 10 / 12; phase 3 off), two lanes at
# once, one thread each: lane A the paper's λ1 = 100 (run 9's own first 22 epochs), lane B λ1 = 10 (the
# cycle weight dense_plus trains with). Seeded like run 9 (train.seed 0).
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=1
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
OUT=${OUT:-/work/s13/lanes}
T="python -m nircolor.cli train --data /work/shared/data/vcip2020 --params /work/main/params.yaml --profile /work/main/profiles/real-cpu-v8-paper.yaml --set train.num_threads=1 --set schedule.phase3=0"
one() {  # name, variant, extra --set arguments
  local name=$1 variant=$2; shift 2
  SECONDS=0; echo "START $name $(date +%T)"
  $T --variant "$variant" --out "$OUT/$name" "$@"
  echo "WALL $name $SECONDS s"
}
case "${1:-}" in
  A) one baseline_l100 baseline ;;
  B) one baseline_l10 baseline --set loss.lambda_cycle=10 ;;
  *) echo "usage: lanes.sh A|B" >&2; exit 2 ;;
esac
