# session 38, after runs 59 and 60 finished: their tables and clean logs, the curves, the comparisons, the
# seed-paired gain - no gain differences (seeds 2-3, and all four), the four-seed mean against the paper's
# dense row, and the brightness diagnostic. From anywhere, nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v29; cd $E
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
bash ../collect_runs.sh . /work/s38/exposure_seed 59:2 60:3
cd /work/main
N=docs/results/cpu_real_v25; X=docs/results/cpu_real_v26; G=docs/results/cpu_real_v27; source docs/results/tables.sh
python -m nircolor.cli compare \
  --table run59_exposure_seed2=$E/run59/eval_dense_plus.csv --table run53_no_exposure_seed2=$X/run53/eval_dense_plus.csv \
  --table run60_exposure_seed3=$E/run60/eval_dense_plus.csv --table run54_no_exposure_seed3=$X/run54/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $E/compare_each_seed.md
python -m nircolor.cli compare \
  $(tables run55_56_59_60_exposure_4seeds $G/run55/eval_dense_plus.csv $G/run56/eval_dense_plus.csv $E/run59/eval_dense_plus.csv $E/run60/eval_dense_plus.csv) \
  $(tables run51_54_no_exposure_4seeds $N/run51/eval_dense_plus.csv $N/run52/eval_dense_plus.csv $X/run53/eval_dense_plus.csv $X/run54/eval_dense_plus.csv) \
  $PV --data ../shared/data/vcip2020 > $E/compare_4seeds.md
{ python $G/seed_paired.py --label "exposure - none (seeds 2, 3)" $E/run59:$X/run53 $E/run60:$X/run54
  python $G/seed_paired.py --label "exposure - none (seeds 0-3)" $G/run55:$N/run51 $G/run56:$N/run52 $E/run59:$X/run53 $E/run60:$X/run54
} > $E/seed_paired.txt
python docs/results/cpu_real_v26/mean_vs_paper.py $G/run55 $G/run56 $E/run59 $E/run60 > $E/mean_vs_paper.txt
python $G/dark.py /work/s38/exposure_seed2/packed /work/s38/exposure_seed2/checkpoints/dense_plus/phase3.pt \
  /work/s38/exposure_seed3/checkpoints/dense_plus/phase3.pt > $E/dark.txt
