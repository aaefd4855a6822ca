# session 39, after runs 63 and 64 finished: their tables and clean logs, the curves, the comparisons, the
# seed-paired term - none differences, the two runs against the paper's dense row, the mechanism (training-pair
# and validation mean error, bias_probe.py) and the brightness diagnostic. From anywhere, nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v31; W=/work/s39/meancolour_seed; K=checkpoints/dense_plus/phase3.pt
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
(cd $E && bash ../collect_runs.sh . $W 63:0 64:1)
cd /work/main && source docs/results/tables.sh; N=docs/results/cpu_real_v25; G=docs/results/cpu_real_v27
python -m nircolor.cli compare $(each_seed meancolour none $E/run63:$N/run51:0 $E/run64:$N/run52:1) \
  --data ../shared/data/vcip2020 > $E/compare_each_seed.md
python -m nircolor.cli compare $(tables run63_64_meancolour_2seeds $E/run6{3,4}/eval_dense_plus.csv) \
  $(tables run51_52_none_2seeds $N/run5{1,2}/eval_dense_plus.csv) $PV --data ../shared/data/vcip2020 > $E/compare_2seeds.md
python $G/seed_paired.py --label "mean colour - none (seeds 0, 1)" $E/run63:$N/run51 $E/run64:$N/run52 > $E/seed_paired.txt
python docs/results/cpu_real_v26/mean_vs_paper.py $E/run63 $E/run64 > $E/mean_vs_paper.txt
python $E/bias_probe.py ${W}0/packed 96 ${W}0/$K ${W}1/$K /work/s34/cycle1_seed1/$K > $E/bias_after.txt
python $G/dark.py ${W}0/packed ${W}0/$K ${W}1/$K > $E/dark.txt
