"""The network-closed process environment: telemetry, analytics and update checks off, set by entry points."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# These machines have no network: every tool the project runs would otherwise try to phone home
# (usage data, analytics, a PyPI check when albumentations is imported).
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "DVC_NO_ANALYTICS": "1",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "NO_ALBUMENTATIONS_UPDATE": "1",
}


def quiet_environment(env: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """Set QUIET_ENV in `env` (default: this process's os.environ) where not set; returns `env`.

    A value the person set explicitly wins. Called first by every entry point (the `nircolor`
    command, the DVC stages, the `flows.ops` commands, the model server's environment), before
    anything imports albumentations, prefect or mlflow; never at import time.
    """
    target = os.environ if env is None else env
    for key, value in QUIET_ENV.items():
        target.setdefault(key, value)
    return target
