# session 48, after runs 91 and 92 (the v33 profile at fresh seeds 10 and 12, one thread each side by side, on an AMD
# EPYC) finished: collect them (per-image tables, logs, curves; each also at s = 1, phase 3), the starts each run
# kept, the walls, and plan 5's two readings in one table (compare.md): the two fresh runs, all seven v33 runs
# (86-92), the v30 paper variants' three seeds each, lookup and the paper's dense row.
# ROOT: where the runs trained (default /work/s48). Nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v39; V38=/work/main/docs/results/cpu_real_v38
V34=/work/main/docs/results/cpu_real_v34; V35=/work/main/docs/results/cpu_real_v35; V36=/work/main/docs/results/cpu_real_v36
W=${ROOT:-/work/s48}; DATA=/work/main/../shared/data/vcip2020; P=$W/real-cpu-v33-plus-gan01_seed
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
for s in 10 12; do ln -sf $W/run_seed$s.log $P$s.log; done
cd $E; WALLS=1 RESCORE_DATA=$DATA bash ../collect_runs.sh . $P 91:10 92:12
python $V36/starts.py ${P}10 ${P}12 > starts.txt
cd /work/main && source docs/results/tables.sh
BF="$V34/run74/eval_baseline_fit.csv $V34/run76/eval_baseline_fit.csv $V34/run78/eval_baseline_fit.csv"
DF="$V34/run75/eval_dense_fit.csv $V34/run77/eval_dense_fit.csv $V35/run79/eval_dense_fit.csv"
OLD="$V38/run86/eval_dense_plus.csv $V38/run87/eval_dense_plus.csv $V38/run88/eval_dense_plus.csv \
  $V38/run89/eval_dense_plus.csv $V38/run90/eval_dense_plus.csv"
NEW="$E/run91/eval_dense_plus.csv $E/run92/eval_dense_plus.csv"
python -m nircolor.cli compare $(tables v33_fresh_91_92 $NEW) $(tables v33_all7_86_92 $OLD $NEW) \
  $(tables v30_baseline_heldout_scale_3seeds $BF) $(tables v30_dense_heldout_scale_3seeds $DF) \
  --table run91_seed10=$E/run91/eval_dense_plus.csv --table run92_seed12=$E/run92/eval_dense_plus.csv \
  --data $DATA --paper dense > $E/compare.md
true
