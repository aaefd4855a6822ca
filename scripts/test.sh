#!/usr/bin/env bash
# Install (if needed) and run the default test suite; extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
exec python -m pytest "$@"
