# session 47, after runs 88 and 89 (the v33 profile at seeds 4 and 6; phase 1 and part of phase 2 in session 46,
# resumed here) finished: their logs joined (session 46's part + the resume), all four v33 runs collected (each also
# at s = 1, phase 3), plan 2's decision over four seed pairs (seed_paired4.txt: 86 - 82, 87 - 83, 88 - 84, 89 - 85),
# each seed against its v32 partner (compare_each_seed4.md), the four v33 runs against the four v32 runs, the paper
# variants' three seeds each, lookup and the paper's dense row (compare4.md), curves and starts of all four.
# ROOT: where the runs trained (default /work/s46). Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v38; V36=/work/main/docs/results/cpu_real_v36; V37=/work/main/docs/results/cpu_real_v37
V34=/work/main/docs/results/cpu_real_v34; V35=/work/main/docs/results/cpu_real_v35
W=${ROOT:-/work/s46}; DATA=/work/main/../shared/data/vcip2020; P=$W/real-cpu-v33-plus-gan01_seed
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
for s in 0 2; do ln -sf $W/run_seed$s.log $P$s.log; done
for s in 4 6; do cat $W/run_seed$s.log $W/run_seed$s.log.resume > $W/run_seed$s.joined.log; ln -sf $W/run_seed$s.joined.log $P$s.log; done
cd $E; bash ../collect_runs.sh . $P 86:0 87:2 88:4 89:6
for r in 88:4 89:6; do echo "run${r%:*} seed ${r#*:}: resumed part $(grep -h '^WALL' $W/run_seed${r#*:}.log.resume)"; done > wall2.txt
for r in 88:4 89:6; do python /work/main/scripts/rescore.py --out run${r%:*} $DATA \
  dense_plus_s1=$P${r#*:}/checkpoints/dense_plus/phase3.pt > /dev/null; done
python $V36/curves.py run86 run87 run88 run89 > val_curves.csv
python $V36/starts.py ${P}0 ${P}2 ${P}4 ${P}6 > starts.txt
cd /work/main && source docs/results/tables.sh
python docs/results/cpu_real_v27/seed_paired.py --label "gan 0.1 - gan 1 (v33 - v32)" $E/run86:$V36/run82 $E/run87:$V36/run83 \
  $E/run88:$V37/run84 $E/run89:$V37/run85 > $E/seed_paired4.txt
python -m nircolor.cli compare $(each_seed v33_gan01 v32 $E/run86:$V36/run82:0 $E/run87:$V36/run83:2 \
  $E/run88:$V37/run84:4 $E/run89:$V37/run85:6) --data $DATA > $E/compare_each_seed4.md
BF="$V34/run74/eval_baseline_fit.csv $V34/run76/eval_baseline_fit.csv $V34/run78/eval_baseline_fit.csv"
DF="$V34/run75/eval_dense_fit.csv $V34/run77/eval_dense_fit.csv $V35/run79/eval_dense_fit.csv"
python -m nircolor.cli compare $(tables v33_gan01_4seeds $E/run8{6,7,8,9}/eval_dense_plus.csv) \
  $(tables v32_4seeds_82_85 $V36/run82/eval_dense_plus.csv $V36/run83/eval_dense_plus.csv \
    $V37/run84/eval_dense_plus.csv $V37/run85/eval_dense_plus.csv) \
  $(tables v30_baseline_heldout_scale_3seeds $BF) $(tables v30_dense_heldout_scale_3seeds $DF) \
  --table run86_seed0=$E/run86/eval_dense_plus.csv --table run87_seed2=$E/run87/eval_dense_plus.csv \
  --table run88_seed4=$E/run88/eval_dense_plus.csv --table run89_seed6=$E/run89/eval_dense_plus.csv \
  --data $DATA --paper dense > $E/compare4.md
true
