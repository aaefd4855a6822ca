# session 38: run 51's recipe (profiles/real-cpu-v24-plus-cycle1.yaml) cut to its first 12 epochs (phase 1 only) with
# the initial weights' seed (train.init_seed) and the data seed (train.seed) set apart: bash split.sh INIT DATA.
# THREADS threads (default 1); output in /work/s38/split_i<INIT>_d<DATA>.
T=${THREADS:-1}; i=$1; d=$2; source /work/main/.venv/bin/activate; SECONDS=0
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=$T NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/s38/split_i${i}_d$d --params /work/main/params.yaml \
  --profile /work/main/profiles/real-cpu-v24-plus-cycle1.yaml --variant dense_plus --set train.num_threads=$T \
  --set train.init_seed=$i --set train.seed=$d --set schedule.phase1=12 --set schedule.phase2=0 --set schedule.phase3=0
echo "WALL $SECONDS"
