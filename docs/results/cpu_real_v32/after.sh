# session 40, after the runs finished: their tables and clean logs, the curves, the comparisons against lookup, against
# the session 19/20 recipe and between the variants, and the colour cast. Runs whose output is missing are left out,
# so it also reads the first three runs alone. From anywhere, nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v32; W=/work/s40
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
have() { local v=$1; shift; for r in "$@"; do [ -f $W/${v}_seed${r#*:}/eval/$v/metrics.csv ] && printf '%s ' $r; done; true; }
B=$(have baseline 65:0 67:1 69:2); D=$(have dense 66:0 68:1)
(cd $E && VARIANT=baseline bash ../collect_runs.sh . $W/baseline_seed $B && mv val_curves.csv val_baseline.csv \
  && VARIANT=dense bash ../collect_runs.sh . $W/dense_seed $D && mv val_curves.csv val_dense.csv)
(cd $E && { cat val_baseline.csv; tail -n +2 val_dense.csv; } > val_curves.csv && rm val_baseline.csv val_dense.csv)
{ for r in $B; do echo "run${r%:*} baseline seed ${r#*:}: $(grep -h '^WALL' $W/baseline_seed${r#*:}.log)"; done
  for r in $D; do echo "run${r%:*} dense seed ${r#*:}: $(grep -h '^WALL' $W/dense_seed${r#*:}.log)"; done; } > $E/wall.txt
cd /work/main && source docs/results/tables.sh
BT=$(for r in $B; do printf '%s ' $E/run${r%:*}/eval_baseline.csv; done); DT=$(for r in $D; do printf '%s ' $E/run${r%:*}/eval_dense.csv; done)
nb=$(echo $B | wc -w); nd=$(echo $D | wc -w)
python -m nircolor.cli compare $(tables zen4_baseline_${nb}seeds $BT) $(tables zen4_dense_${nd}seeds $DT) $PV \
  --data ../shared/data/vcip2020 > $E/compare.md
python -m nircolor.cli compare $(for r in $B $D; do n=${r%:*}; f=$(ls $E/run$n/eval_*.csv); v=$(basename $f .csv); \
  printf -- '--table run%s_%s_seed%s=%s ' $n ${v#eval_} ${r#*:} $f; done) --data ../shared/data/vcip2020 > $E/compare_each_run.md
pairs=$(for d in $D; do s=${d#*:}; for b in $B; do [ ${b#*:} = $s ] && printf '%s:%s ' $E/run${d%:*}/eval_dense.csv $E/run${b%:*}/eval_baseline.csv; done; done; true)
python docs/results/cpu_real_v27/seed_paired.py --label "dense - baseline (same seeds)" $pairs > $E/dense_minus_baseline.txt
# each run's name=checkpoint, for the diagnostics
ckpt() { printf '%s/%s_seed%s/checkpoints/%s/phase3.pt' $W $1 $2 $1; }
NAMED=$(for r in $B; do printf 'run%s_baseline_seed%s=%s ' ${r%:*} ${r#*:} $(ckpt baseline ${r#*:}); done
  for r in $D; do printf 'run%s_dense_seed%s=%s ' ${r%:*} ${r#*:} $(ckpt dense ${r#*:}); done)
python docs/results/cpu_real_v10/s14/ae_split.py ../shared/data/vcip2020 $NAMED > $E/ae_split.txt
# a diagnostic, not a recipe: the baseline's seeds' outputs averaged (two seeds fit the baseline's core inside the
# recipe's 75 minutes while dense trains), scored as one model against lookup
python docs/results/cpu_real_v11/s16/ensemble.py ../shared/data/vcip2020 $E/ensemble_baseline.csv \
  $(for r in $B; do ckpt baseline ${r#*:}; printf ' '; done) > $E/ensemble_baseline.txt
python -m nircolor.cli compare --table baseline_seeds_averaged=$E/ensemble_baseline.csv $(tables zen4_baseline_${nb}seeds $BT) \
  --data ../shared/data/vcip2020 > $E/compare_ensemble.md
# a diagnostic: each model's AE with each image's mean colour taken from lookup's output (no oracle) against lookup
python docs/results/cpu_real_v32/cast_swap.py ../shared/data/vcip2020 $NAMED > $E/cast_swap.txt
# goal 2's other half against these paper variants: the reference dense_plus recipe (runs 51-54, four seeds) against
# the paper variants trained at its length
R=$(tables run51_54_dense_plus_reference_4seeds docs/results/cpu_real_v25/run5{1,2}/eval_dense_plus.csv \
  docs/results/cpu_real_v26/run5{3,4}/eval_dense_plus.csv)
python -m nircolor.cli compare $R $(tables zen4_baseline_${nb}seeds $BT) $(tables zen4_dense_${nd}seeds $DT) --data ../shared/data/vcip2020 > $E/compare_dense_plus.md
