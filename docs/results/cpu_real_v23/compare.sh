# the session-32 ablation against run 47 (all three terms; same recipe, seed, box and precision, 2 threads)
# and the all-terms recipe's three fp32 seeds (runs 42–44, Zen 3), with the floors
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
U=docs/results/cpu_real_v21; X=docs/results/cpu_real_v22; Y=docs/results/cpu_real_v23
python -m nircolor.cli compare \
  --table none=$Y/none/eval_dense_plus.csv \
  --table ssim=$Y/ssim/eval_dense_plus.csv \
  --table angle=$Y/angle/eval_dense_plus.csv \
  --table edge=$Y/edge/eval_dense_plus.csv \
  --table all_run47=$X/run47/eval_dense_plus.csv \
  --table all_fp32_3seeds=$U/run42/eval_dense_plus.csv \
  --table all_fp32_3seeds=$U/run43/eval_dense_plus.csv \
  --table all_fp32_3seeds=$U/run44/eval_dense_plus.csv \
  --data ../shared/data/vcip2020 > $Y/ablation.md
