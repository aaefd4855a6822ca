#!/usr/bin/env bash
# Second issue-4 GPU call: kernel profile of a dense step (plain vs fast), the compiled dense path
# with the recompile limit raised, and batch 24. Same setup as gpu_bench.sh.
set -uo pipefail
OUT="${OUT:-gpu_out}"; mkdir -p "$OUT"
BUDGET="${BUDGET:-280}"; T0=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
log="$OUT/run.log"
python -m pip install -q --no-deps --no-index --target /tmp/site .whl/*.whl >/dev/null 2>&1
export PYTHONPATH="$PWD/src:$PWD:/tmp/site" NO_ALBUMENTATIONS_UPDATE=1 PYTHONUNBUFFERED=1
step() {
  local name=$1 want=$2; shift 2
  local l; l=$(left)
  if (( l < want )); then echo "== skip $name: ${l}s left" >>"$log"; return; fi
  echo "== $name ($(date +%T), ${l}s left)" >>"$log"
  timeout "$(( l - 5 ))" "$@" >>"$log" 2>&1; echo "== $name exit $? at $(( BUDGET - $(left) ))s" >>"$log"
}
step profile 40 python scripts/gpu_profile.py --variant dense --batch-size 12
step compiled 120 python -m nircolor.cli bench --device cuda --variant dense --batch-size 12 --steps 10 --repeats 10 --json "$OUT/bench_dense_b12_compile.json"
step b24 40 python -m nircolor.cli bench --device cuda --variant dense baseline --batch-size 24 --no-compile --steps 6 --json "$OUT/bench_b24.json"
echo "== done at $(( BUDGET - $(left) ))s" >>"$log"
