"""Shared flow plumbing: the repository root, run identity (git commit, DVC experiment, data digest), tags,
atomic text outputs, and running a flow (servers checked first; finished work kept through a Prefect outage)."""

from __future__ import annotations

import functools
import inspect
import logging
import os
import subprocess
import time
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nircolor.report import write_text_atomic  # noqa: F401  (re-exported: stages and flows write through it)


def workspace() -> Path:
    """Where this stage runs (a temporary copy under `dvc exp run --temp`)."""
    return Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=workspace(), capture_output=True,
                             text=True, timeout=10, check=True)  # fmt: skip
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def dvc_experiment() -> str:
    """The DVC experiment name during `dvc exp run`; `workspace` for a plain `dvc repro`."""
    return os.environ.get("DVC_EXP_NAME", "workspace")


def data_digest(dvc_file: Path | None = None) -> str:
    """The md5 DVC recorded for data/ in data.dvc ('untracked' when there is none)."""
    path = dvc_file or workspace() / "data.dvc"
    try:
        outs = yaml.safe_load(path.read_text())["outs"]
        return str(outs[0]["md5"])
    except (OSError, KeyError, IndexError, TypeError, yaml.YAMLError):
        return "untracked"


def run_tags(stage: str, variant: str | None = None, phase: str | None = None) -> dict[str, str]:
    """The same identity for Prefect tags and MLflow tags."""
    tags = {"stage": stage, "git_commit": git_commit(), "dvc_experiment": dvc_experiment(),
            "data_digest": data_digest()}  # fmt: skip
    if variant:
        tags["variant"] = variant
    if phase:
        tags["phase"] = phase
    return tags


def prefect_tags(tags: dict[str, str]) -> list[str]:
    return [f"{k}:{v[:12] if k in ('git_commit', 'data_digest') else v}" for k, v in tags.items()]


class PrefectUnavailable(RuntimeError):
    """The Prefect API a run was pointed at does not answer; the message names the URL."""


def preflight(timeout_s: float = 10.0) -> None:
    """Fail before any work unless the servers a run reports to answer within `timeout_s` in all.

    MLflow: only an http(s) tracking URI (TrackingUnavailable). Prefect: only PREFECT_API_URL
    when set (PrefectUnavailable); without it Prefect starts a temporary server of its own.
    Prefect alone would also fail fast on a refused connection ("Failed to reach API"), but a
    server that accepts and never answers holds a client for its 60 s request timeout.
    """
    from flows.tracking import check_reachable, tracking_uri

    deadline = time.monotonic() + timeout_s
    uri = tracking_uri()
    if uri.startswith(("http://", "https://")):
        check_reachable(uri, timeout_s)
    api = _prefect_api_url()
    if api:
        url = api.rstrip("/") + "/health"
        try:
            with urllib.request.urlopen(url, timeout=max(0.5, deadline - time.monotonic())) as resp:  # noqa: S310
                if resp.status == 200:
                    return
                reason = f"HTTP {resp.status}"
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = str(getattr(err, "reason", err))
        raise PrefectUnavailable(
            f"Prefect API {api} is unreachable ({reason}); start it (bash scripts/servers.sh up) "
            "or unset PREFECT_API_URL"
        )


def _prefect_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def run_flow(flow_fn, identity: dict[str, str], **params):
    """Run a flow with its identity as Prefect tags (the stage modules never import prefect).

    First `preflight()`: an unreachable MLflow server or Prefect API is an error naming it,
    before any work. Then, if the Prefect API dies during the run: tasks go on (Prefect 3 sends
    task states and logs in the background and drops what it cannot send, with warnings), but
    recording the flow's final state retries for about a minute (PREFECT_CLIENT_MAX_RETRIES=5,
    backoff 2, 4, … s) and then raises. When the flow's body had already returned, that error
    would throw away finished work (a trained phase), so its result is returned instead, after
    one more try to record the state; if that fails too, a log line and the MLflow tag
    `prefect_state_lost` on the result's runs say so. The flow run then stays "Running" in Prefect.
    """
    from prefect import tags as prefect_tag_context

    done: dict[str, Any] = {}

    @functools.wraps(flow_fn.fn)
    def body(*args, **kwargs):
        from prefect.runtime import flow_run

        done["flow_run_id"] = flow_run.id
        done["result"] = flow_fn.fn(*args, **kwargs)
        return done["result"]

    preflight()
    # Prefect validates parameters against the signature and resolves string annotations in
    # the function's module; this wrapper lives here, so hand it the resolved signature
    try:
        body.__signature__ = inspect.signature(flow_fn.fn, eval_str=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations: run the flow as it is
        logging.getLogger("flows").debug("%s: annotations not resolvable; run without the outage guard", flow_fn.name)
        with prefect_tag_context(*prefect_tags(identity)):
            return flow_fn(**params)
    flow_copy = flow_fn.with_options()
    flow_copy.fn = body  # same name, parameters and options; only the return value is kept aside
    with prefect_tag_context(*prefect_tags(identity)):
        try:
            return flow_copy(**params)
        except Exception as err:
            if "result" not in done or not _is_api_error(err):
                raise
            return _final_state_lost(done["flow_run_id"], done["result"], err)


def _is_api_error(err: BaseException) -> bool:
    import httpx

    return isinstance(err, (httpx.HTTPError, OSError))


def _final_state_lost(flow_run_id: str | None, result: Any, err: BaseException) -> Any:
    """The flow body finished but Prefect did not record it: one more try, else say so."""
    log = logging.getLogger("flows")
    if flow_run_id and _set_completed(flow_run_id):
        log.warning("Prefect flow run %s: final state recorded on a late retry", flow_run_id)
        return result
    note = (f"flow run {flow_run_id}: final state Completed not recorded, the Prefect API was "
            f"unreachable ({type(err).__name__}: {str(err)[:200]}); it stays Running there")  # fmt: skip
    log.error("Prefect state lost: %s. The work itself finished and its outputs are written.", note)
    if isinstance(result, dict):
        from flows.tracking import Tracker

        run_ids = [result[k] for k in ("mlflow_run_id", "mlflow_parent_run_id") if result.get(k)]
        tracker = Tracker(connect=False) if run_ids else None
        for run_id in run_ids:
            try:
                with tracker.fail_fast():
                    tracker.set_tags(run_id, {"prefect_state_lost": note})
            except Exception as tag_err:  # noqa: BLE001 - the log line above is the record then
                log.warning("could not tag MLflow run %s with prefect_state_lost: %s", run_id, tag_err)
        result = {**result, "prefect_state_lost": note}
    return result


def _set_completed(flow_run_id: str) -> bool:
    """One direct attempt (a fresh client does not retry a refused connection)."""
    try:
        from prefect.client.orchestration import get_client
        from prefect.states import Completed

        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Completed(message="recorded after an API outage"), force=True)
        return True
    except Exception:  # noqa: BLE001
        return False


