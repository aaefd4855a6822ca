# session 44, after runs 82 and 83 (v32: dense_plus's reference recipe with two starts chosen on 36 held-out pairs)
# finished: collect them; each at s = 1 (phase 3) beside the fitted final.pt that `nircolor train` scored; the
# plan's questions: the choice (starts.txt), the two runs against the paper's dense row (mean_vs_paper.txt), against
# the paper variants' three seeds each as goal 1 scores them (compare.md), against run 71 and runs 51-54
# (compare_reference.md). ROOT: where the runs trained (default /work/s44). Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v36; V34=/work/main/docs/results/cpu_real_v34; V35=/work/main/docs/results/cpu_real_v35
W=${ROOT:-/work/s44}; DATA=/work/main/../shared/data/vcip2020
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
cd $E; bash ../collect_runs.sh . $W/plus_starts_seed 82:0 83:2
for r in 82:0 83:2; do echo "run${r%:*} seed ${r#*:}: $(grep -h '^WALL' $W/plus_starts_seed${r#*:}.log)"; done > wall.txt
for r in 82:0 83:2; do python /work/main/scripts/rescore.py --out run${r%:*} $DATA \
  dense_plus_s1=$W/plus_starts_seed${r#*:}/checkpoints/dense_plus/phase3.pt > /dev/null; done
python curves.py run82 run83 > val_curves.csv
python starts.py $W/plus_starts_seed0 $W/plus_starts_seed2 > starts.txt
python ../cpu_real_v26/mean_vs_paper.py run82 run83 > mean_vs_paper.txt
cd /work/main && source docs/results/tables.sh
BF="$V34/run74/eval_baseline_fit.csv $V34/run76/eval_baseline_fit.csv $V34/run78/eval_baseline_fit.csv"
DF="$V34/run75/eval_dense_fit.csv $V34/run77/eval_dense_fit.csv $V35/run79/eval_dense_fit.csv"
P="$E/run82/eval_dense_plus.csv $E/run83/eval_dense_plus.csv"
python -m nircolor.cli compare $(tables v32_dense_plus_starts_2seeds $P) $(tables v30_baseline_heldout_scale_3seeds $BF) \
  $(tables v30_dense_heldout_scale_3seeds $DF) --table run82_seed0=$E/run82/eval_dense_plus.csv \
  --table run83_seed2=$E/run83/eval_dense_plus.csv --data $DATA > $E/compare.md
python -m nircolor.cli compare $(tables v32_dense_plus_starts_2seeds $P) \
  $(tables v32_same_models_s1 $E/run82/eval_dense_plus_s1.csv $E/run83/eval_dense_plus_s1.csv) \
  --table run71_v24_xeon_seed0=docs/results/cpu_real_v33/run71/eval_dense_plus.csv \
  $(tables run51_54_v24_zen4_4seeds docs/results/cpu_real_v25/run51/eval_dense_plus.csv docs/results/cpu_real_v25/run52/eval_dense_plus.csv \
    docs/results/cpu_real_v26/run53/eval_dense_plus.csv docs/results/cpu_real_v26/run54/eval_dense_plus.csv) \
  --data $DATA > $E/compare_reference.md
python docs/results/cpu_real_v27/seed_paired.py --label "run 82 - run 71 (seed 0, this kind of chip)" \
  $E/run82/eval_dense_plus.csv:docs/results/cpu_real_v33/run71/eval_dense_plus.csv > $E/run82_vs_run71.txt
true
