# Sourced by the other scripts: make .venv hold exactly requirements.lock + this package.
# Re-installs only when requirements.lock or pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# The network is closed here: no telemetry, analytics or update checks from any tool.
export PREFECT_SERVER_ANALYTICS_ENABLED=false DVC_NO_ANALYTICS=1 MLFLOW_DISABLE_TELEMETRY=true
export NO_ALBUMENTATIONS_UPDATE=1 DO_NOT_TRACK=1 PIP_DISABLE_PIP_VERSION_CHECK=1

pick_python() {
  for cand in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  echo "nircolor: need Python 3.11 or 3.12 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

stamp="$VENV/.nircolor-installed"
want="$(cat "$ROOT/requirements.lock" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== setting up $VENV (locked requirements; first run takes a few minutes) ==" >&2
  [ -x "$VENV/bin/python" ] || "$(pick_python)" -m venv "$VENV"
  # torch==2.13.0 is pinned in the lock: pip resolves it to the CPU wheel where one is
  # offered via find-links, so no multi-GB CUDA build is pulled in by an open range.
  # (grep drops this machine's notes about empty local mirrors; real errors still show)
  "$VENV/bin/python" -m pip install -q -r "$ROOT/requirements.lock" 2> >(grep -v "^WARNING: Location" >&2)
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$ROOT"
  "$VENV/bin/python" -m pip check >&2
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
