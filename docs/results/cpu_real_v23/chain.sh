# when an arm of the first pair ends, start an arm of the second on its core
P=variants.dense_plus.overrides.loss
cd /work/s32
( while pgrep -f "out /work/abl32/none" >/dev/null; do sleep 20; done
  bash abl.sh angle --set $P.lambda_ssim=0 --set $P.lambda_edge=0 > angle.log 2>&1 ) &
( while pgrep -f "out /work/abl32/ssim" >/dev/null; do sleep 20; done
  bash abl.sh edge --set $P.lambda_ssim=0 --set $P.lambda_angle=0 > edge.log 2>&1 ) &
wait
