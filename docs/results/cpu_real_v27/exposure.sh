# session 36: profiles/real-cpu-v25-plus-exposure.yaml (run 51's recipe plus the exposure gain on dense_plus's pairs)
# at one seed; THREADS threads (default 1), into $ROOT/exposure_seed<seed> (default ROOT /work/s36). Seeds 0 and 1 ran
# side by side, one thread each (runs 55 and 56); seeds 2 and 3 likewise in session 38 (runs 59 and 60, ROOT=/work/s38).
T=${THREADS:-1}; seed=$1; shift; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out ${ROOT:-/work/s36}/exposure_seed$seed --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v25-plus-exposure.yaml --variant dense_plus --set train.num_threads=$T --set train.seed=$seed "$@"
echo "WALL $SECONDS"
