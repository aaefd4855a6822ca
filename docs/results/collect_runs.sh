# Collect finished training runs (variant $VARIANT, default dense_plus) into a results folder: each run's per-image table
# (run<N>/eval_<variant>.csv), its log without progress bars (run<N>/train.log), and the validation
# curves of all of them (val_curves.csv, through cpu_real_v23/curves.py). Optional (session 48): WALLS=1 also writes
# each log's `WALL` line into wall.txt; RESCORE_DATA=<data dir> also scores each run's phase-3 checkpoint at s = 1
# (no saturation fit) into run<N>/eval_<variant>_s1.csv (scripts/rescore.py).
# Usage: bash collect_runs.sh RESULTS_DIR RUN_PREFIX N:SEED ...   (run output in RUN_PREFIX<SEED>, its log in RUN_PREFIX<SEED>.log)
set -e; R=$(cd "$1" && pwd); P=$2; shift 2; V=${VARIANT:-dense_plus}; D=$(cd "$(dirname "$0")" && pwd); C=$D/cpu_real_v23/curves.py; cd "$R"; arms=()
RESCORE=$D/../../scripts/rescore.py; [ -z "${WALLS:-}" ] || : > wall.txt
for r in "$@"; do n=${r%:*}; s=${r#*:}; mkdir -p run$n
  cp $P$s/eval/$V/metrics.csv run$n/eval_$V.csv
  [ -z "${WALLS:-}" ] || echo "run$n seed $s: $(grep -h '^WALL' $P$s.log)" >> wall.txt
  [ -z "${RESCORE_DATA:-}" ] || python "$RESCORE" --out run$n "$RESCORE_DATA" ${V}_s1=$P$s/checkpoints/$V/phase3.pt > /dev/null
  tr '\r' '\n' < $P$s.log | grep -v "%|" | grep -v "^\s*$" > run$n/train.log
  cp run$n/train.log run${n}_seed$s.log; arms+=(run${n}_seed$s); done
python "$C" "${arms[@]}" > val_curves.csv
for a in "${arms[@]}"; do rm $a.log; done
