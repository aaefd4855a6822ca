#!/usr/bin/env bash
# The issue-4 GPU run, in one go on a bare torch GPU box (the device machine): `nircolor bench`
# for both variants at 256×256 on the challenge's counts, and the fast-vs-plain quality check.
# Needs: .whl/ (albumentations, pydantic and their wheels for this Python) and a packed dataset
# in .devpack/ (the ingest stage's output). Writes everything under ${OUT:-gpu_out}/.
set -uo pipefail
OUT="${OUT:-gpu_out}"; mkdir -p "$OUT"
BUDGET="${BUDGET:-540}"; T0=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
log="$OUT/run.log"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.version.cuda, "python", sys.version.split()[0])'
  python -m pip install -q --no-deps --no-index --target /tmp/site .whl/*.whl 2>&1 | grep -v "Running pip as" | tail -3
} >>"$log" 2>&1
export PYTHONPATH="$PWD/src:$PWD:/tmp/site" NO_ALBUMENTATIONS_UPDATE=1 PYTHONUNBUFFERED=1
step() {  # step NAME SECONDS_WANTED CMD...: run if enough budget is left, bounded by it
  local name=$1 want=$2; shift 2
  local l; l=$(left)
  if (( l < want )); then echo "== skip $name: ${l}s left, wants ${want}s" >>"$log"; return; fi
  echo "== $name ($(date +%T), ${l}s left)" >>"$log"
  timeout "$(( l - 10 ))" "$@" >>"$log" 2>&1; echo "== $name exit $? after $(( BUDGET - $(left) ))s total" >>"$log"
}
# 1. eager vs fast (bf16, channels_last, fused Adam, resident data; no compile) at the batch we
#    recommend (12 divides both 372 and 1,020), with real epochs through the trainer's loop
step bench_b12 120 python -m nircolor.cli bench --device cuda --batch-size 12 --epochs --no-compile --steps 10 --json "$OUT/bench_b12.json"
# 2. batch 1 (the reference CycleGAN's)
step bench_b1 60 python -m nircolor.cli bench --device cuda --batch-size 1 --no-compile --steps 20 --json "$OUT/bench_b1.json"
# 3. quality: plain fp32 vs fast from the same seed, + a second plain seed for the spread
step quality 150 python scripts/quality_check.py --packed .devpack --out "$OUT/quality.json" --device cuda \
  --runs eager:0 fast:0 eager:1 --set train.batch_size=12 --set schedule.phase1=10 --set schedule.phase2=8 --set schedule.phase3=6
# 4. the compiled fast path (compilation is paid in the first steps)
step bench_b12_compile 150 python -m nircolor.cli bench --device cuda --batch-size 12 --epochs --steps 10 --json "$OUT/bench_b12_compile.json"
echo "== done after $(( BUDGET - $(left) ))s" >>"$log"
