# One results run outside DVC (session 41 on): `nircolor train` on the real data with a profile, one variant, SEED (default
# 0) and THREADS threads (default 1), into OUT; prints the command's wall as `WALL <s>`. Extra arguments go to train.
# Usage: bash train.sh PROFILE VARIANT OUT [--set ...]   (PROFILE relative to the project root)
T=${THREADS:-1}; seed=${SEED:-0}; p=$1; v=$2; out=$3; shift 3; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out $out --params /work/main/params.yaml \
  --profile /work/main/$p --variant $v --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
