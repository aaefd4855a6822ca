# session 36, after runs 55 and 56 finished: their tables and clean logs, the curves, the comparisons, each run's
# brightness error on the validation pairs (runs 51, 52, 55, 56) and the exposure probe on runs 55 and 56.
# From anywhere, nothing else running.
set -e; E=/work/main/docs/results/cpu_real_v27; cd $E
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
bash ../collect_runs.sh . /work/s36/exposure_seed 55:0 56:1
bash compare.sh
for r in /work/s34/cycle1_seed0:run51 /work/s34/cycle1_seed1:run52 /work/s36/exposure_seed0:run55 /work/s36/exposure_seed1:run56; do
  d=${r%:*}; echo "== ${r#*:} ($d)"; python ../cpu_real_v24/bias.py $d/packed $d/checkpoints/dense_plus/phase3.pt 96; done > bias.txt
for r in /work/s36/exposure_seed0:run55 /work/s36/exposure_seed1:run56; do
  d=${r%:*}; echo "== ${r#*:} ($d)"; python probe.py $d/packed $d/checkpoints/dense_plus/phase3.pt; done > probe_runs55_56.txt
for r in /work/s34/cycle1_seed0:run51 /work/s34/cycle1_seed1:run52; do
  d=${r%:*}; echo "== ${r#*:} ($d)"; python probe.py $d/packed $d/checkpoints/dense_plus/phase3.pt | sed -n 1,5p\;8p; done > probe_runs51_52.txt
python dark.py /work/s36/exposure_seed0/packed /work/s34/cycle1_seed0/checkpoints/dense_plus/phase3.pt /work/s34/cycle1_seed1/checkpoints/dense_plus/phase3.pt \
  /work/s36/exposure_seed0/checkpoints/dense_plus/phase3.pt /work/s36/exposure_seed1/checkpoints/dense_plus/phase3.pt /work/s35/cycle1_seed3/checkpoints/dense_plus/phase3.pt > dark.txt
