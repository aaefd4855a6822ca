# session 42, after the runs: the v30 runs (74 baseline s0, 75 dense s0, 76 baseline s1, 77 dense s1, 78 baseline s2)
# collected; the plan's rule (scale.py: s on the 36 held-out pairs) for each; goal 1 over the seeds that finished;
# s chosen against s = 1 per variant; v30 at s = 1 against the v28 runs; the colour split of the calibrated copies
# (written by `nircolor calibrate`, the user's path). Runs whose output is missing are left out. Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v34; W=${ROOT:-/work/s42}; S40=/work/main/docs/results/cpu_real_v32
S41=/work/main/docs/results/cpu_real_v33; DATA=/work/main/../shared/data/vcip2020
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
done_runs() { for r in "$@"; do [ -f $W/${V}_seed${r#*:}/eval/$V/metrics.csv ] && printf '%s ' $r; done; true; }
cd $E; V=baseline; B=$(done_runs 74:0 76:1 78:2); V=dense; D=$(done_runs 75:0 77:1)
[ -n "$B" ] && VARIANT=baseline bash ../collect_runs.sh . $W/baseline_seed $B && mv val_curves.csv val_b.csv
[ -n "$D" ] && VARIANT=dense bash ../collect_runs.sh . $W/dense_seed $D && mv val_curves.csv val_d.csv
{ cat val_b.csv; tail -n +2 val_d.csv 2>/dev/null; true; } > val_curves.csv; rm -f val_b.csv val_d.csv
{ for r in $B; do echo "run${r%:*} baseline seed ${r#*:}: $(grep -h '^WALL' $W/baseline_seed${r#*:}.log)"; done
  for r in $D; do echo "run${r%:*} dense seed ${r#*:}: $(grep -h '^WALL' $W/dense_seed${r#*:}.log)"; done; true; } > wall.txt
python scale.py $DATA . $(for r in $B; do printf 'run%s=%s/baseline_seed%s:baseline ' ${r%:*} $W ${r#*:}; done) \
  $(for r in $D; do printf 'run%s=%s/dense_seed%s:dense ' ${r%:*} $W ${r#*:}; done) > scale.txt
cd /work/main && source docs/results/tables.sh
BF=$(for r in $B; do printf '%s ' $E/run${r%:*}/eval_baseline_fit.csv; done); B1=${BF//_fit/}
DF=$(for r in $D; do printf '%s ' $E/run${r%:*}/eval_dense_fit.csv; done); D1=${DF//_fit/}
nb=$(echo $BF | wc -w); nd=$(echo $DF | wc -w)
python -m nircolor.cli compare $(tables v30_baseline_heldout_scale_${nb}seeds $BF) $(tables v30_dense_heldout_scale_${nd}seeds $DF) \
  $(for f in $BF $DF; do printf -- '--table %s_%s=%s ' $(basename $(dirname $f)) $(basename $f .csv | sed 's/eval_//') $f; done) \
  --data $DATA > $E/compare.md
{ python docs/results/cpu_real_v27/seed_paired.py --label "baseline: held-out s - s = 1 (same models)" $(for f in $BF; do printf '%s:%s ' $f ${f//_fit/}; done)
  [ -n "$DF" ] && python docs/results/cpu_real_v27/seed_paired.py --label "dense: held-out s - s = 1 (same models)" $(for f in $DF; do printf '%s:%s ' $f ${f//_fit/}; done); true; } > $E/scale_effect.txt
python -m nircolor.cli compare $(tables v30_baseline_s1_${nb}seeds $B1) $(tables v28_baseline_3seeds $S40/run6{5,7,9}/eval_baseline.csv) \
  $( [ -n "$DF" ] && tables v30_dense_s1_${nd}seeds $D1) $(tables v28_dense_3seeds $S40/run6{6,8}/eval_dense.csv $S41/run70/eval_dense.csv) \
  --data $DATA > $E/compare_v28.md
for r in $B; do s=${r#*:}; python -m nircolor.cli calibrate --checkpoint $W/baseline_seed$s/checkpoints/baseline/phase3.pt -o $W/baseline_seed$s/calibrated.pt > /dev/null; done
for r in $D; do s=${r#*:}; python -m nircolor.cli calibrate --checkpoint $W/dense_seed$s/checkpoints/dense/phase3.pt -o $W/dense_seed$s/calibrated.pt > /dev/null; done
python docs/results/cpu_real_v10/s14/ae_split.py $DATA $(for r in $B; do printf 'run%s_baseline_calibrated=%s/baseline_seed%s/calibrated.pt ' ${r%:*} $W ${r#*:}; done) \
  $(for r in $D; do printf 'run%s_dense_calibrated=%s/dense_seed%s/calibrated.pt ' ${r%:*} $W ${r#*:}; done) > $E/ae_split.txt
true
