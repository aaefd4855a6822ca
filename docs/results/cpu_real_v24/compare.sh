# session 33: run 48's recipe (84 epochs) at seeds 0, 1 and 2 (runs 48, 49, 50), each and together, against
# the 52-epoch recipe's three fp32 seeds (runs 42-44) and the least-squares paper variants' three seeds
# each ($PV), with the floors. From the project root.
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
V=docs/results/cpu_real_v12; W=docs/results/cpu_real_v13; S=docs/results/cpu_real_v19
U=docs/results/cpu_real_v21; X=docs/results/cpu_real_v22; Z=docs/results/cpu_real_v24
PV="--table run25_27_28_baseline_lsgan_3seeds=$V/run25/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run27/eval_baseline.csv --table run25_27_28_baseline_lsgan_3seeds=$W/run28/eval_baseline.csv --table run29_30_39_dense_lsgan_3seeds=$W/run29/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$W/run30/eval_dense.csv --table run29_30_39_dense_lsgan_3seeds=$S/run39/eval_dense.csv"
python -m nircolor.cli compare \
  --table run48_49_50_dense_plus_84ep_3seeds=$X/run48/eval_dense_plus.csv \
  --table run48_49_50_dense_plus_84ep_3seeds=$Z/run49/eval_dense_plus.csv \
  --table run48_49_50_dense_plus_84ep_3seeds=$Z/run50/eval_dense_plus.csv \
  --table run42_43_44_dense_plus_52ep_fp32_3seeds=$U/run42/eval_dense_plus.csv \
  --table run42_43_44_dense_plus_52ep_fp32_3seeds=$U/run43/eval_dense_plus.csv \
  --table run42_43_44_dense_plus_52ep_fp32_3seeds=$U/run44/eval_dense_plus.csv \
  $PV --data ../shared/data/vcip2020 > $Z/compare_3seeds.md
python -m nircolor.cli compare \
  --table run48_seed0=$X/run48/eval_dense_plus.csv \
  --table run49_seed1=$Z/run49/eval_dense_plus.csv \
  --table run50_seed2=$Z/run50/eval_dense_plus.csv \
  $PV --data ../shared/data/vcip2020 > $Z/compare_each_seed.md
