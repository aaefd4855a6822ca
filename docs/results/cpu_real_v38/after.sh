# session 46, after runs 86 and 87 (the v33 profile: v32 with dense_plus's loss.lambda_gan 0.1, seeds 0 and 2) finished:
# collect them (each also at s = 1, phase 3); the plan's decision (seed_paired.txt: 86 - 82, 87 - 83 by seed and image),
# each seed against its v32 partner (compare_each_seed.md), the two runs against lookup, the paper variants' three seeds
# each and the paper's dense row (compare.md), the curves and the choice of start (val_curves.csv, starts.txt).
# ROOT: where the runs trained (default /work/s46). Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v38; V36=/work/main/docs/results/cpu_real_v36; V37=/work/main/docs/results/cpu_real_v37
V34=/work/main/docs/results/cpu_real_v34; V35=/work/main/docs/results/cpu_real_v35
W=${ROOT:-/work/s46}; DATA=/work/main/../shared/data/vcip2020; P=$W/real-cpu-v33-plus-gan01_seed
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
for s in 0 2; do ln -sf $W/run_seed$s.log $P$s.log; done
cd $E; bash ../collect_runs.sh . $P 86:0 87:2
for r in 86:0 87:2; do echo "run${r%:*} seed ${r#*:}: $(grep -h '^WALL' $P${r#*:}.log)"; done > wall.txt
for r in 86:0 87:2; do python /work/main/scripts/rescore.py --out run${r%:*} $DATA \
  dense_plus_s1=$P${r#*:}/checkpoints/dense_plus/phase3.pt > /dev/null; done
python $V36/curves.py run86 run87 > val_curves.csv
python $V36/starts.py ${P}0 ${P}2 > starts.txt
cd /work/main && source docs/results/tables.sh
python docs/results/cpu_real_v27/seed_paired.py --label "gan 0.1 - gan 1 (v33 - v32)" $E/run86:$V36/run82 $E/run87:$V36/run83 > $E/seed_paired.txt
python -m nircolor.cli compare $(each_seed v33_gan01 v32 $E/run86:$V36/run82:0 $E/run87:$V36/run83:2) --data $DATA > $E/compare_each_seed.md
BF="$V34/run74/eval_baseline_fit.csv $V34/run76/eval_baseline_fit.csv $V34/run78/eval_baseline_fit.csv"
DF="$V34/run75/eval_dense_fit.csv $V34/run77/eval_dense_fit.csv $V35/run79/eval_dense_fit.csv"
python -m nircolor.cli compare $(tables v33_gan01_2seeds $E/run86/eval_dense_plus.csv $E/run87/eval_dense_plus.csv) \
  $(tables v32_same_seeds_82_83 $V36/run82/eval_dense_plus.csv $V36/run83/eval_dense_plus.csv) \
  $(tables v30_baseline_heldout_scale_3seeds $BF) $(tables v30_dense_heldout_scale_3seeds $DF) \
  --table run86_seed0=$E/run86/eval_dense_plus.csv --table run87_seed2=$E/run87/eval_dense_plus.csv \
  --data $DATA --paper dense > $E/compare.md
true
