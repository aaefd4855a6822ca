"""MLflow tracking: the Tracker (runs, params, metrics, tags, artifacts of one experiment) and the offline spool.

    tracker.py     Tracker: runs, params, metrics, tags, artifacts through one MlflowClient
    connection.py  tracking_uri, artifact_root_for, check_reachable, fail_fast, import_mlflow
    values.py      as_number, as_text, flatten_params: values MLflow accepts
    spool.py       SpooledRun, Spool, drain, replay: MLflow calls that must not stop training

Importing this package does not import mlflow (import_mlflow does, on first use).
"""

from flows.tracking.connection import (
    TrackingUnavailable,
    artifact_root_for,
    check_reachable,
    fail_fast,
    import_mlflow,
    preserved_logging,
    tracking_uri,
)
from flows.tracking.spool import Spool, SpooledRun, drain, replay, spool_path
from flows.tracking.tracker import RUN_STATUSES, Tracker
from flows.tracking.values import as_number, as_text, flatten_params

__all__ = [
    "RUN_STATUSES", "Spool", "SpooledRun", "Tracker", "TrackingUnavailable", "artifact_root_for", "as_number",
    "as_text", "check_reachable", "drain", "fail_fast", "flatten_params", "import_mlflow", "preserved_logging",
    "replay", "spool_path", "tracking_uri",
]
