# session 36: the exposure gain (runs 55, 56: seeds 0, 1) against the same recipe without it at the same seeds
# (runs 51, 52), each seed alone, and the two seeds against the least-squares paper variants' three seeds each.
# From the project root's .venv, nothing else running.
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
N=docs/results/cpu_real_v25; E=docs/results/cpu_real_v27; source docs/results/tables.sh
python -m nircolor.cli compare \
  --table run55_56_exposure_seeds01=$E/run55/eval_dense_plus.csv --table run55_56_exposure_seeds01=$E/run56/eval_dense_plus.csv \
  --table run51_52_no_exposure_seeds01=$N/run51/eval_dense_plus.csv --table run51_52_no_exposure_seeds01=$N/run52/eval_dense_plus.csv \
  $PV --data ../shared/data/vcip2020 > $E/compare_seeds01.md
python -m nircolor.cli compare \
  --table run55_exposure_seed0=$E/run55/eval_dense_plus.csv --table run51_no_exposure_seed0=$N/run51/eval_dense_plus.csv \
  --table run56_exposure_seed1=$E/run56/eval_dense_plus.csv --table run52_no_exposure_seed1=$N/run52/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $E/compare_each_seed.md
