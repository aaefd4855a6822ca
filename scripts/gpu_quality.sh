#!/usr/bin/env bash
# Issue 12, item 4, in one device call: baseline, dense and dense_plus trained side by side on one
# GPU on the real VCIP 2020 data (profiles/real-gpu-v2.yaml), each scored at 256 px on the 18
# validation pairs; everything small comes back in $OUT/results.tgz, the log in $OUT/run.log.
# Needs, in ignored folders of the checkout (name both in the call's carry):
#   .whl/      wheels the device image lacks (albumentations 2.0.8 and its needs, pydantic)
#   .devdata/  the challenge data as lossless WebP: python scripts/webp_data.py pack <vcip2020> .devdata/vcip2020
# Local rehearsal on a CPU (tiny sizes, this venv's packages):
#   NO_WHL=1 PY=python DEVICE=cpu BUDGET=300 EXTRA="--set model.ngf=4 --set model.ndf=4 ..." bash scripts/gpu_quality.sh
set -uo pipefail
OUT="${OUT:-gpu_out}"; mkdir -p "$OUT"
BUDGET="${BUDGET:-480}"          # seconds for the whole script; training is stopped before it
DEVICE="${DEVICE:-cuda}"
PROFILE="${PROFILE:-profiles/real-gpu-v2.yaml}"
EXTRA="${EXTRA:-}"
WORK="${WORK:-/tmp/gpuq}"
PY="${PY:-python3}"
T0=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
log="$OUT/run.log"
rm -rf "$WORK"; mkdir -p "$WORK/res"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  if [ -d .whl ] && [ -z "${NO_WHL:-}" ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl 2>&1 | grep -v "Running pip as" | tail -3
    export PYTHONPATH="/tmp/site"
  fi
} >>"$log" 2>&1
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}" NO_ALBUMENTATIONS_UPDATE=1 PYTHONUNBUFFERED=1
$PY -c 'import torch, sys, numpy, pydantic, albumentations; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "numpy", numpy.__version__, "pydantic", pydantic.__version__, "albumentations", albumentations.__version__)' >>"$log" 2>&1
$PY scripts/webp_data.py unpack .devdata/vcip2020 "$WORK/data" >>"$log" 2>&1 || { echo "unpack failed" >>"$log"; exit 1; }
echo "== setup done at $(( BUDGET - $(left) ))s" >>"$log"

# GPU load every 5 s while the three train (for the record: utilisation, memory, clocks)
(nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used,clocks.sm,power.draw --format=csv -l 5 >"$WORK/res/smi.csv" 2>/dev/null &)
pids=()
for v in baseline dense dense_plus; do
  # stop 20 s before the budget so the results still get packed and sent back
  # shellcheck disable=SC2086
  timeout "$(( $(left) - 20 ))" $PY -m nircolor.cli train --data "$WORK/data" --out "$WORK/$v" --params params.yaml \
    --profile "$PROFILE" --variant "$v" --set train.device="$DEVICE" $EXTRA \
    >"$WORK/res/$v.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"; echo "== train $pid exit $? at $(( BUDGET - $(left) ))s" >>"$log"
done
pkill -f "nvidia-smi --query-gpu" 2>/dev/null
cp "$WORK/baseline/config.json" "$WORK/res/config.json" 2>/dev/null  # the same top-level config in all three
for v in baseline dense dense_plus; do
  cp "$WORK/$v/eval/$v/metrics.csv" "$WORK/res/${v}_metrics.csv" 2>/dev/null
  tail -3 "$WORK/res/$v.log" >>"$log"
done
tar czf "$OUT/results.tgz" -C "$WORK" res
echo "== done at $(( BUDGET - $(left) ))s" >>"$log"
