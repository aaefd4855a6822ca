# session 34: run 48's recipe with dense_plus's cycle weight at 1 (runs 51 and 52, seeds 0 and 1) against the
# same recipe at 10 with the same seeds (runs 48 and 49) and its three seeds (runs 48-50), and the least-squares
# paper variants' three seeds each ($PV), with the floors. From the project root, nothing else running.
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
V=docs/results/cpu_real_v12; W=docs/results/cpu_real_v13; S=docs/results/cpu_real_v19
X=docs/results/cpu_real_v22; Z=docs/results/cpu_real_v24; N=docs/results/cpu_real_v25
PV="--table run25_27_28_baseline_lsgan_3seeds=$V/run25/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run27/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run28/eval_baseline.csv --table run29_30_39_dense_lsgan_3seeds=$W/run29/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$W/run30/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$S/run39/eval_dense.csv"
python -m nircolor.cli compare \
  --table run51_52_cycle1_seeds01=$N/run51/eval_dense_plus.csv \
  --table run51_52_cycle1_seeds01=$N/run52/eval_dense_plus.csv \
  --table run48_49_cycle10_seeds01=$X/run48/eval_dense_plus.csv \
  --table run48_49_cycle10_seeds01=$Z/run49/eval_dense_plus.csv \
  $PV --data ../shared/data/vcip2020 > $N/compare_seeds01.md
python -m nircolor.cli compare \
  --table run51_cycle1_seed0=$N/run51/eval_dense_plus.csv \
  --table run48_cycle10_seed0=$X/run48/eval_dense_plus.csv \
  --table run52_cycle1_seed1=$N/run52/eval_dense_plus.csv \
  --table run49_cycle10_seed1=$Z/run49/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $N/compare_each_seed.md
python -m nircolor.cli compare \
  --table run51_52_cycle1_seeds01=$N/run51/eval_dense_plus.csv \
  --table run51_52_cycle1_seeds01=$N/run52/eval_dense_plus.csv \
  --table run48_49_50_cycle10_3seeds=$X/run48/eval_dense_plus.csv \
  --table run48_49_50_cycle10_3seeds=$Z/run49/eval_dense_plus.csv \
  --table run48_49_50_cycle10_3seeds=$Z/run50/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $N/compare_vs_3seeds.md
