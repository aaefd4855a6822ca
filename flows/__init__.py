"""Prefect flows (one module per stage) and the MLflow adapter: the only code that imports prefect or mlflow."""

import os as _os

# The network is closed on these machines: no telemetry, analytics or update checks, set before
# any flow module imports prefect or mlflow (setdefault: a person's explicit choice wins).
for _key, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "DVC_NO_ANALYTICS": "1",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "NO_ALBUMENTATIONS_UPDATE": "1",
}.items():
    _os.environ.setdefault(_key, _value)
