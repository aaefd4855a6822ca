# session 41, after the runs finished: runs 70 (dense, v28, seed 2), 71 (dense_plus, v24, seed 0, this box) and 72-73
# (baseline, v29 = v28 with CutMix, seeds 0-1) collected;
# goal 1 over the paper variants' three seeds each (runs 65-70); dense - baseline; dense_plus's reference recipe against
# them; run 71 against run 51; the colour cast; walls. Runs whose output is missing are left out. Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v33; W=/work/s41; S40=/work/main/docs/results/cpu_real_v32
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
cd $E
[ -f $W/dense_seed2/eval/dense/metrics.csv ] && VARIANT=dense bash ../collect_runs.sh . $W/dense_seed 70:2 && mv val_curves.csv val_run70.csv
[ -f $W/cycle1_seed0/eval/dense_plus/metrics.csv ] && VARIANT=dense_plus bash ../collect_runs.sh . $W/cycle1_seed 71:0 && mv val_curves.csv val_run71.csv
C=$(for r in 72:0 73:1; do [ -f $W/cutmix_seed${r#*:}/eval/baseline/metrics.csv ] && printf '%s ' $r; done; true)
[ -n "$C" ] && VARIANT=baseline bash ../collect_runs.sh . $W/cutmix_seed $C && mv val_curves.csv val_run72.csv
{ head -1 val_run70.csv; for f in val_run7?.csv; do tail -n +2 $f; done; grep '^run51' ../cpu_real_v25/val_curves.csv
  grep -E '^run6[579]' $S40/val_curves.csv; true; } > val_curves.csv
rm -f val_run7?.csv
{ for r in 70:dense_seed2 71:cycle1_seed0 72:cutmix_seed0 73:cutmix_seed1; do [ -f $W/${r#*:}.log ] && echo "run${r%:*} ${r#*:}: $(grep -h '^WALL' $W/${r#*:}.log)"; done; true; } > wall.txt
cd /work/main && source docs/results/tables.sh
BT="$S40/run65/eval_baseline.csv $S40/run67/eval_baseline.csv $S40/run69/eval_baseline.csv"
DT="$S40/run66/eval_dense.csv $S40/run68/eval_dense.csv"; [ -f $E/run70/eval_dense.csv ] && DT="$DT $E/run70/eval_dense.csv"
nd=$(echo $DT | wc -w)
python -m nircolor.cli compare $(tables zen4_baseline_3seeds $BT) $(tables paper_dense_${nd}seeds $DT) \
  $(for f in $DT; do n=$(basename $(dirname $f)); printf -- '--table %s_dense=%s ' $n $f; done) --data ../shared/data/vcip2020 > $E/compare.md
python docs/results/cpu_real_v27/seed_paired.py --label "dense - baseline (same seeds)" \
  $S40/run66/eval_dense.csv:$S40/run65/eval_baseline.csv $S40/run68/eval_dense.csv:$S40/run67/eval_baseline.csv \
  $( [ -f $E/run70/eval_dense.csv ] && echo $E/run70/eval_dense.csv:$S40/run69/eval_baseline.csv ) > $E/dense_minus_baseline.txt
R=$(tables run51_54_dense_plus_reference_4seeds docs/results/cpu_real_v25/run5{1,2}/eval_dense_plus.csv \
  docs/results/cpu_real_v26/run5{3,4}/eval_dense_plus.csv)
python -m nircolor.cli compare $R $(tables zen4_baseline_3seeds $BT) $(tables paper_dense_${nd}seeds $DT) --data ../shared/data/vcip2020 > $E/compare_dense_plus.md
if [ -f $E/run71/eval_dense_plus.csv ]; then
  python docs/results/cpu_real_v33/first_part.py docs/results/cpu_real_v25/run51/train.log $E/run71/train.log > $E/run71_vs_run51.txt
  python docs/results/cpu_real_v27/seed_paired.py --label "run 71 (this Xeon) - run 51 (Zen 4), seed 0" \
    $E/run71/eval_dense_plus.csv:docs/results/cpu_real_v25/run51/eval_dense_plus.csv >> $E/run71_vs_run51.txt
  python -m nircolor.cli compare --table run71_xeon_seed0=$E/run71/eval_dense_plus.csv \
    --table run51_zen4_seed0=docs/results/cpu_real_v25/run51/eval_dense_plus.csv --data ../shared/data/vcip2020 > $E/compare_run71.md
  { echo "# goal 2's figure (four seeds, fixed in session 35)"; python docs/results/cpu_real_v26/mean_vs_paper.py
    echo "# a second look, not counted: the four seeds and run 71 (five draws)"
    python docs/results/cpu_real_v26/mean_vs_paper.py docs/results/cpu_real_v25/run5{1,2} docs/results/cpu_real_v26/run5{3,4} $E/run71; } > $E/mean_vs_paper.txt
fi
CT=$(for r in $C; do printf '%s ' $E/run${r%:*}/eval_baseline.csv; done)
if [ -n "$CT" ]; then nc=$(echo $CT | wc -w)
  python -m nircolor.cli compare $(tables cutmix_baseline_${nc}seeds $CT) $(tables zen4_baseline_3seeds $BT) \
    $(for f in $CT; do printf -- '--table %s_cutmix=%s ' $(basename $(dirname $f)) $f; done) --data ../shared/data/vcip2020 > $E/compare_cutmix.md
fi
ckpt() { printf '%s/%s/checkpoints/%s/phase3.pt' $W $1 $2; }
NAMED=$( [ -f $E/run70/eval_dense.csv ] && printf 'run70_dense_seed2=%s ' $(ckpt dense_seed2 dense); [ -f $E/run71/eval_dense_plus.csv ] && printf 'run71_dense_plus_seed0=%s ' $(ckpt cycle1_seed0 dense_plus)
  for r in $C; do printf 'run%s_baseline_cutmix_seed%s=%s ' ${r%:*} ${r#*:} $(ckpt cutmix_seed${r#*:} baseline); done; true)
[ -n "$NAMED" ] && python docs/results/cpu_real_v10/s14/ae_split.py ../shared/data/vcip2020 $NAMED > $E/ae_split.txt
true
