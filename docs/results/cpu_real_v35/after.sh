# session 43, after run 79 (dense, v30 recipe, seed 2: the seed session 42's plan fixed and could not fit) finished:
# collect it; the plan's rule for it (cpu_real_v34/scale.py: s on the 36 held-out pairs); the same through the
# pipeline's own path (pipeline_check.py: the v31 pack and evaluate's finalize_checkpoint); goal 1 over three seeds
# of each variant; the scale's effect over dense's three seeds; dense - baseline; run 79's colour split.
# Nothing else running. ROOT: where run 79 trained (default /work/s43); S42: session 42's runs (default /work/s42).
set -e; E=/work/main/docs/results/cpu_real_v35; V34=/work/main/docs/results/cpu_real_v34; W=${ROOT:-/work/s43}
S42=${S42:-/work/s42}; DATA=/work/main/../shared/data/vcip2020
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
cd $E; VARIANT=dense bash ../collect_runs.sh . $W/dense_seed 79:2
echo "run79 dense seed 2: $(grep -h '^WALL' $W/dense_seed2.log)" > wall.txt
python $V34/scale.py $DATA . run79=$W/dense_seed2:dense > scale.txt
cd /work/main && source docs/results/tables.sh
python docs/results/cpu_real_v35/pipeline_check.py $DATA $W/pack_v31 \
  run79=$W/dense_seed2:dense:$E/run79/eval_dense_fit.csv > $E/pipeline_check_run79.txt
BF="$V34/run74/eval_baseline_fit.csv $V34/run76/eval_baseline_fit.csv $V34/run78/eval_baseline_fit.csv"
DF="$V34/run75/eval_dense_fit.csv $V34/run77/eval_dense_fit.csv $E/run79/eval_dense_fit.csv"
python -m nircolor.cli compare $(tables v30_baseline_heldout_scale_3seeds $BF) $(tables v30_dense_heldout_scale_3seeds $DF) \
  --table run79_dense_fit=$E/run79/eval_dense_fit.csv --table run79_dense_s1=$E/run79/eval_dense.csv --data $DATA > $E/compare.md
python docs/results/cpu_real_v27/seed_paired.py --label "dense: held-out s - s = 1 (same models, 3 seeds)" \
  $(for f in $DF; do printf '%s:%s ' $f ${f//_fit/}; done) > $E/scale_effect.txt
python -m nircolor.cli calibrate --checkpoint $W/dense_seed2/checkpoints/dense/phase3.pt -o $W/dense_seed2/calibrated.pt > /dev/null
python docs/results/cpu_real_v10/s14/ae_split.py $DATA run79_dense_calibrated=$W/dense_seed2/calibrated.pt \
  run79_dense_s1=$W/dense_seed2/checkpoints/dense/phase3.pt > $E/ae_split.txt
true
