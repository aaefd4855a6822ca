"""Where MLflow runs are stored and how this process reaches that store: the tracking URI, artifact roots,
reachability checks, fail-fast HTTP settings, and importing mlflow without letting it reconfigure logging."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from flows.common import repo_root
from nircolor.environment import quiet_environment


class TrackingUnavailable(RuntimeError):
    """The tracking server cannot be reached (or is not an MLflow server); the message names the URI."""


# --------------------------------------------------------------------------------------------
# Where runs go


def tracking_uri() -> str:
    """`MLFLOW_TRACKING_URI` if set, else an absolute SQLite store at the repository root.

    Absolute, so runs from `dvc exp run --temp` (another working directory) land in the same store.
    """
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    return f"sqlite:///{repo_root() / 'mlflow.db'}"


def _sqlite_path(uri: str) -> Path | None:
    """The database file of a `sqlite:///…` URI (None for other stores or in-memory databases)."""
    if not uri.startswith("sqlite:///"):
        return None
    raw = uri[len("sqlite:///") :].split("?", 1)[0]
    if not raw or raw == ":memory:":
        return None
    return Path(raw).resolve()


def artifact_root_for(uri: str) -> str | None:
    """Where a new experiment keeps its artifacts: beside a SQLite file, else the server's default.

    MLflow's own default for a SQLite store is `./mlruns` under the *current directory*, which
    would scatter artifacts across DVC's temporary workspaces.
    """
    db = _sqlite_path(uri)
    return (db.parent / "mlartifacts").as_uri() if db is not None else None


# --------------------------------------------------------------------------------------------
# Importing mlflow without letting it touch the logging configuration


@contextlib.contextmanager
def preserved_logging() -> Iterator[None]:
    """Undo what an import does to logging: root handlers/level, and existing loggers' settings."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved_disable = logging.root.manager.disable
    saved = {
        name: (lg.level, lg.disabled, lg.propagate, list(lg.handlers))
        for name, lg in logging.root.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    try:
        yield
    finally:
        root.handlers[:] = saved_root[0]
        root.setLevel(saved_root[1])
        logging.disable(saved_disable)
        for name, (level, disabled, propagate, handlers) in saved.items():
            lg = logging.getLogger(name)
            lg.setLevel(level)
            lg.disabled = disabled
            lg.propagate = propagate
            lg.handlers[:] = handlers


def import_mlflow() -> ModuleType:
    """Import mlflow (with mlflow.pyfunc and the client) on first use; logging is left as it was."""
    if "mlflow.pyfunc" in sys.modules and "mlflow.tracking" in sys.modules:
        return sys.modules["mlflow"]
    quiet_environment()  # before mlflow reads its settings
    with preserved_logging():
        import mlflow
        import mlflow.pyfunc
        import mlflow.tracking
    return mlflow


# --------------------------------------------------------------------------------------------
# Reachability


def check_reachable(uri: str, timeout_s: float = 10.0) -> None:
    """Raise TrackingUnavailable unless an MLflow server answers at the http(s) `uri` in time.

    MLflow's own client retries for minutes before giving up; this fails within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    base = uri.rstrip("/")
    probes = (f"{base}/health", f"{base}/api/2.0/mlflow/experiments/search?max_results=1")
    last = "no answer"
    for url in probes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            with urllib.request.urlopen(url, timeout=remaining) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status} from {url}"
        except urllib.error.HTTPError as err:
            if err.code in (401, 403):  # a server that wants credentials MLflow's client may have
                return
            last = f"HTTP {err.code} from {url}"
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", err)
            raise TrackingUnavailable(
                f"MLflow tracking server {uri} is unreachable ({reason}); start it, or unset "
                "MLFLOW_TRACKING_URI to use the local SQLite store"
            ) from None
    raise TrackingUnavailable(
        f"MLflow tracking server {uri} did not answer as an MLflow server within {timeout_s:g} s ({last})"
    )


# MLflow's HTTP client retries a failed request 7 times with exponential backoff (about 4
# minutes against a dead server) and waits up to 120 s for each answer. Inside `fail_fast()`
# a request is tried once: a refused connection fails at once, a silent server after
# FAIL_FAST_TIMEOUT_S. The variables are read by mlflow.utils.rest_utils.http_request on every
# call, so setting them around a call is enough (they are process-wide while set: the lock
# keeps two blocks from restoring each other's values).
FAIL_FAST_TIMEOUT_S = 5
_FAIL_FAST_LOCK = threading.RLock()


@contextlib.contextmanager
def fail_fast(timeout_s: int = FAIL_FAST_TIMEOUT_S) -> Iterator[None]:
    """MLflow HTTP calls in the block: no retries (MLFLOW_HTTP_REQUEST_MAX_RETRIES=0), `timeout_s` per request."""
    settings = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, int(timeout_s))),
    }
    with _FAIL_FAST_LOCK:
        saved = {key: os.environ.get(key) for key in settings}
        os.environ.update(settings)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
