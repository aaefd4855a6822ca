# session 45, after runs 84 and 85 (the v32 recipe at seeds 4 and 6) finished: collect them (each at s = 1 beside the
# fitted final.pt that `nircolor train` scored); the plan's questions: the four runs (82-85) against the paper's dense row
# (compare.md, `--paper dense`: the last section), against the paper variants' three seeds each as goal 1 scores them (compare.md), against runs
# 51-54 (compare_reference.md); the choice against session 44's starts-only runs (repeat.txt, starts.txt).
# ROOT: where the runs trained (default /work/s45); S44: session 44's runs (default /work/s44). Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v37; V36=/work/main/docs/results/cpu_real_v36
V34=/work/main/docs/results/cpu_real_v34; V35=/work/main/docs/results/cpu_real_v35
W=${ROOT:-/work/s45}; S44=${S44:-/work/s44}; DATA=/work/main/../shared/data/vcip2020
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
cd $E; bash ../collect_runs.sh . $W/plus_starts_seed 84:4 85:6
for r in 84:4 85:6; do echo "run${r%:*} seed ${r#*:}: $(grep -h '^WALL' $W/plus_starts_seed${r#*:}.log)"; done > wall.txt
for r in 84:4 85:6; do python /work/main/scripts/rescore.py --out run${r%:*} $DATA \
  dense_plus_s1=$W/plus_starts_seed${r#*:}/checkpoints/dense_plus/phase3.pt > /dev/null; done
python $V36/curves.py run84 run85 > val_curves.csv
python $V36/starts.py $W/plus_starts_seed4 $W/plus_starts_seed6 > starts.txt
python repeat.py $W/plus_starts_seed4:$S44/starts_only_seed4 $W/plus_starts_seed6:$S44/starts_only_seed6 > repeat.txt
cd /work/main && source docs/results/tables.sh
BF="$V34/run74/eval_baseline_fit.csv $V34/run76/eval_baseline_fit.csv $V34/run78/eval_baseline_fit.csv"
DF="$V34/run75/eval_dense_fit.csv $V34/run77/eval_dense_fit.csv $V35/run79/eval_dense_fit.csv"
P="$V36/run82/eval_dense_plus.csv $V36/run83/eval_dense_plus.csv $E/run84/eval_dense_plus.csv $E/run85/eval_dense_plus.csv"
python -m nircolor.cli compare $(tables v32_dense_plus_starts_4seeds $P) $(tables v30_baseline_heldout_scale_3seeds $BF) \
  $(tables v30_dense_heldout_scale_3seeds $DF) --table run84_seed4=$E/run84/eval_dense_plus.csv \
  --table run85_seed6=$E/run85/eval_dense_plus.csv --data $DATA --paper dense > $E/compare.md
python -m nircolor.cli compare $(tables v32_dense_plus_starts_4seeds $P) \
  $(tables v32_same_models_s1 $V36/run82/eval_dense_plus_s1.csv $V36/run83/eval_dense_plus_s1.csv \
    $E/run84/eval_dense_plus_s1.csv $E/run85/eval_dense_plus_s1.csv) \
  $(tables run51_54_v24_zen4_4seeds docs/results/cpu_real_v25/run51/eval_dense_plus.csv docs/results/cpu_real_v25/run52/eval_dense_plus.csv \
    docs/results/cpu_real_v26/run53/eval_dense_plus.csv docs/results/cpu_real_v26/run54/eval_dense_plus.csv) \
  --data $DATA > $E/compare_reference.md
true
