# session 35: the cycle-weight-1 recipe's four seeds (runs 51-54) against the same recipe at λ1 10 (runs 48-50)
# and the least-squares paper variants' three seeds each ($PV), with the floors; run 53 against run 50 (both seed 2).
# From the project root, nothing else running.
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
V=docs/results/cpu_real_v12; W=docs/results/cpu_real_v13; S=docs/results/cpu_real_v19
X=docs/results/cpu_real_v22; Z=docs/results/cpu_real_v24; N=docs/results/cpu_real_v25; M=docs/results/cpu_real_v26
PV="--table run25_27_28_baseline_lsgan_3seeds=$V/run25/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run27/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run28/eval_baseline.csv --table run29_30_39_dense_lsgan_3seeds=$W/run29/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$W/run30/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$S/run39/eval_dense.csv"
C1="--table run51_54_cycle1_4seeds=$N/run51/eval_dense_plus.csv --table run51_54_cycle1_4seeds=$N/run52/eval_dense_plus.csv --table run51_54_cycle1_4seeds=$M/run53/eval_dense_plus.csv --table run51_54_cycle1_4seeds=$M/run54/eval_dense_plus.csv"
python -m nircolor.cli compare $C1 \
  --table run48_50_cycle10_3seeds=$X/run48/eval_dense_plus.csv \
  --table run48_50_cycle10_3seeds=$Z/run49/eval_dense_plus.csv \
  --table run48_50_cycle10_3seeds=$Z/run50/eval_dense_plus.csv \
  $PV --data ../shared/data/vcip2020 > $M/compare_4seeds.md
python -m nircolor.cli compare \
  --table run53_cycle1_seed2=$M/run53/eval_dense_plus.csv \
  --table run50_cycle10_seed2=$Z/run50/eval_dense_plus.csv \
  --table run54_cycle1_seed3=$M/run54/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $M/compare_each_seed.md
