#!/usr/bin/env bash
# The main job on the embedded default data: generate the SYNTHETIC dataset that data.dvc
# describes, start one Prefect server and the MLflow UI, run the whole DVC pipeline for every
# variants at a CPU-sized scale (profiles/demo.yaml, passed as DVC experiment parameters), then
# print Table I and where the report and the UIs are. About 8 minutes on 2 cores (491 s measured, three variants).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

if [ ! -f data/SYNTHETIC.md ] && [ ! -d data/NIR ]; then
  echo "== generating the default SYNTHETIC dataset into data/ (what data.dvc describes) ==" >&2
  nircolor synth data --quiet
fi

echo "== starting the Prefect server and the MLflow UI (stop them: bash scripts/servers.sh down) ==" >&2
python -m flows.ops.servers up
eval "$(python -m flows.ops.servers env)"

echo "== dvc exp run with profiles/demo.yaml ==" >&2
SECONDS=0
# dvc exp run with the profile's -S arguments, started only if the profile validates
python -m pipeline.profile profiles/demo.yaml --exec "$@"
wall=$SECONDS

python -m pipeline.summary --wall-seconds "$wall" \
  --prefect-ui "${PREFECT_UI_URL:-}" --mlflow-ui "${MLFLOW_UI_URL:-}"
