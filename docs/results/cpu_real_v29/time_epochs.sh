# session 38: goal 2's clock for the exposure gain. Both cores, nothing else running: the gain recipe
# (real-cpu-v25-plus-exposure.yaml) and the same recipe without it (real-cpu-v24-plus-cycle1.yaml), three
# paired epochs each (phase 1 only, no validation passes), in the order gain, none, gain, none; each epoch's
# training throughput as the trainer logs it (img/s), and the wall of each whole command. Writes time_epochs.txt.
E=$(cd "$(dirname "$0")" && pwd); source /work/main/.venv/bin/activate; T=/work/s38/timing
export PYTHONPATH=/work/main/src:/work/main OMP_NUM_THREADS=2 NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
for arm in exposure:real-cpu-v25-plus-exposure none:real-cpu-v24-plus-cycle1 exposure:real-cpu-v25-plus-exposure none:real-cpu-v24-plus-cycle1; do
  a=${arm%%:*}; p=${arm#*:}; rm -rf $T/$a; SECONDS=0
  python -m nircolor.cli train --data /work/shared/data/vcip2020 --out $T/$a --params /work/main/params.yaml --profile /work/main/profiles/$p.yaml \
    --variant dense_plus --set train.num_threads=2 --set schedule.phase1=3 --set schedule.phase2=0 --set schedule.phase3=0 --set train.val_every=0 \
    2>&1 | tr '\r' '\n' | grep -o "epoch *[0-9]* paired.* [0-9.]* img/s" | sed "s/^/$a: /"
  echo "$a: wall $SECONDS s (pack, 3 epochs, evaluation)"
done > $E/time_epochs.txt
