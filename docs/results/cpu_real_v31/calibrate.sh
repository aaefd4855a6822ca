# Session 39, question B: the training-pair offset on runs 51-54 (the reference recipe's four seeds), scored with and
# without it, then calibrated - plain paired by seed and image and the calibrated mean against the paper's dense row.
# Run from the project root with main's .venv; checkpoints as on the session's box. The plain tables the script writes
# are byte-identical to the runs' own (../cpu_real_v25/run51, run52, ../cpu_real_v26/run53, run54), so only the
# calibrated ones are kept (cal/run<N>_cal/eval_dense_plus.csv).
set -e; export PYTHONPATH=src:.; C=${C:-/work/s39/cal}; D=docs/results/cpu_real_v31
THREADS=1 python $D/calibrate.py /work/s34/cycle1_seed0/packed $C run51:/work/s34/cycle1_seed0/checkpoints/dense_plus/phase3.pt \
  run52:/work/s34/cycle1_seed1/checkpoints/dense_plus/phase3.pt run53:/work/s35/cycle1_seed2/checkpoints/dense_plus/phase3.pt \
  run54:/work/s35/cycle1_seed3/checkpoints/dense_plus/phase3.pt
for r in 51 52 53 54; do mkdir -p $D/cal/run${r}_cal; cp $C/run${r}_cal/eval_dense_plus.csv $D/cal/run${r}_cal/; done
P="$D/cal/run51_cal:docs/results/cpu_real_v25/run51 $D/cal/run52_cal:docs/results/cpu_real_v25/run52"
P="$P $D/cal/run53_cal:docs/results/cpu_real_v26/run53 $D/cal/run54_cal:docs/results/cpu_real_v26/run54"
python docs/results/cpu_real_v27/seed_paired.py --label "calibrated - plain" $P
python docs/results/cpu_real_v26/mean_vs_paper.py $D/cal/run5{1,2,3,4}_cal
