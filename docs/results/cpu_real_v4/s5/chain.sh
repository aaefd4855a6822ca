# session 5 background chain (outside DVC, nircolor train on both cores, one run after the other):
# 1) a second training seed (train.seed=1) of real-cpu-v4 for the three variants
# 2) ablation at run 4's recipe: dense with λ1 = 10 and no added term, then dense λ1 = 10 + SSIM alone
#    (angle alone and edge alone were queued after it and dropped: no session time left)
renice -n -10 $$ >/dev/null
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1
T="python -m nircolor.cli train --data /work/shared/data/vcip2020 --params /work/main/params.yaml --profile /work/main/profiles/real-cpu-v4.yaml --quiet"
for v in baseline dense dense_plus; do
  SECONDS=0; echo "START seed1 $v $(date +%T)"
  $T --out /work/s5/seed1 --variant $v --set train.seed=1
  echo "WALL seed1 $v $SECONDS"
done
SECONDS=0; echo "START abl_l10 $(date +%T)"
$T --out /work/s5/abl_l10 --variant dense --set loss.lambda_cycle=10
echo "WALL abl_l10 dense $SECONDS"
SECONDS=0; echo "START abl_l10_ssim $(date +%T)"
$T --out /work/s5/abl_l10_ssim --variant dense --set loss.lambda_cycle=10 --set loss.lambda_ssim=60
echo "WALL abl_l10_ssim dense $SECONDS"
echo "DONE $(date +%T)"
