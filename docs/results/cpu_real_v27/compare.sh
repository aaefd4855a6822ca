# session 36: the exposure gain (runs 55, 56: seeds 0, 1) against the same recipe without it at the same seeds
# (runs 51, 52), each seed alone, and the two seeds against the least-squares paper variants' three seeds each.
# From the project root's .venv, nothing else running.
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
V=docs/results/cpu_real_v12; W=docs/results/cpu_real_v13; S=docs/results/cpu_real_v19
N=docs/results/cpu_real_v25; E=docs/results/cpu_real_v27
PV="--table run25_27_28_baseline_lsgan_3seeds=$V/run25/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run27/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run28/eval_baseline.csv --table run29_30_39_dense_lsgan_3seeds=$W/run29/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$W/run30/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$S/run39/eval_dense.csv"
python -m nircolor.cli compare \
  --table run55_56_exposure_seeds01=$E/run55/eval_dense_plus.csv --table run55_56_exposure_seeds01=$E/run56/eval_dense_plus.csv \
  --table run51_52_no_exposure_seeds01=$N/run51/eval_dense_plus.csv --table run51_52_no_exposure_seeds01=$N/run52/eval_dense_plus.csv \
  $PV --data ../shared/data/vcip2020 > $E/compare_seeds01.md
python -m nircolor.cli compare \
  --table run55_exposure_seed0=$E/run55/eval_dense_plus.csv --table run51_no_exposure_seed0=$N/run51/eval_dense_plus.csv \
  --table run56_exposure_seed1=$E/run56/eval_dense_plus.csv --table run52_no_exposure_seed1=$N/run52/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $E/compare_each_seed.md
