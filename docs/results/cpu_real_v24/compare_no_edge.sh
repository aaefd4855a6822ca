# session 33: session 32's ablation completed by the arm without the edge term (SSIM + angle, two threads,
# as run 47, the all-terms arm), against all three, each alone and none, with the floors. From the project root.
cd /work/main && source .venv/bin/activate && export PYTHONPATH=src:.
X=docs/results/cpu_real_v22; Y=docs/results/cpu_real_v23; Z=docs/results/cpu_real_v24
python -m nircolor.cli compare --table ssim_angle=$Z/no_edge/eval_dense_plus.csv \
  --table all_run47=$X/run47/eval_dense_plus.csv --table none=$Y/none/eval_dense_plus.csv \
  --table ssim=$Y/ssim/eval_dense_plus.csv --table angle=$Y/angle/eval_dense_plus.csv \
  --table edge=$Y/edge/eval_dense_plus.csv --data ../shared/data/vcip2020 > $Z/compare_no_edge.md
