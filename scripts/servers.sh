#!/usr/bin/env bash
# Start, stop or inspect the local Prefect server and MLflow UI: bash scripts/servers.sh up|down|status|env [options].
# (Options: see `python -m flows.ops.servers --help`; `up` binds 127.0.0.1 unless --host says otherwise.)
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
exec python -m flows.ops.servers "$@"
