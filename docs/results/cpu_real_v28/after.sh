# session 37, after runs 57 and 58 finished: their tables and clean logs, the curves, the comparisons
# (each against lookup, the 84-epoch runs at the same seed and the least-squares paper variants), the
# seed-paired 96 − 84 difference, and the brightness diagnostic. From anywhere, nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v28; cd $E
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
bash ../collect_runs.sh . /work/s37/e96_seed 57:0 58:1
cd /work/main
N=docs/results/cpu_real_v25; X=docs/results/cpu_real_v26; source docs/results/tables.sh
python -m nircolor.cli compare \
  --table run57_96ep_seed0=$E/run57/eval_dense_plus.csv --table run51_84ep_seed0=$N/run51/eval_dense_plus.csv \
  --table run58_96ep_seed1=$E/run58/eval_dense_plus.csv --table run52_84ep_seed1=$N/run52/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $E/compare_each_seed.md
python -m nircolor.cli compare \
  $(tables run57_58_96ep_seeds01 $E/run57/eval_dense_plus.csv $E/run58/eval_dense_plus.csv) \
  $(tables run51_54_84ep_4seeds $N/run51/eval_dense_plus.csv $N/run52/eval_dense_plus.csv $X/run53/eval_dense_plus.csv $X/run54/eval_dense_plus.csv) \
  $PV --data ../shared/data/vcip2020 > $E/compare_seeds01.md
python docs/results/cpu_real_v27/seed_paired.py --label "96 - 84 epochs" $E/run57:$N/run51 $E/run58:$N/run52 > $E/seed_paired.txt
python docs/results/cpu_real_v27/dark.py /work/s37/e96_seed0/packed /work/s37/e96_seed0/checkpoints/dense_plus/phase3.pt \
  /work/s37/e96_seed1/checkpoints/dense_plus/phase3.pt > $E/dark.txt
python docs/results/cpu_real_v26/mean_vs_paper.py $E/run57 $E/run58 > $E/mean_vs_paper.txt
