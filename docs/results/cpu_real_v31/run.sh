# session 39: profiles/real-cpu-v27-plus-meancolour.yaml (run 51's recipe plus the mean-colour term on dense_plus's
# pair) at one seed; THREADS threads (default 1), into $ROOT/meancolour_seed<seed> (default ROOT /work/s39). Seeds 0
# and 1 ran side by side, one thread each (runs 63 and 64).
T=${THREADS:-1}; seed=$1; shift; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out ${ROOT:-/work/s39}/meancolour_seed$seed --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v27-plus-meancolour.yaml --variant dense_plus --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
