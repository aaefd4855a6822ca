# session 32 ablation: run 31's dense_plus recipe (profiles/real-cpu-v14-plus-lsgan.yaml, 52 epochs, seed 0)
# with some of its three added terms set to 0 (the arguments after the arm's name); THREADS threads (default 1).
# As run, with this session's paths; the telemetry switches and the environment folded into one line each.
T=${THREADS:-1}; name=$1; shift; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/abl32/$name --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v14-plus-lsgan.yaml --variant dense_plus --set train.num_threads=$T "$@"
echo "WALL $SECONDS"
