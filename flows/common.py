"""Shared flow plumbing: where things are (this workspace, the main checkout, params.yaml's tracking names), run
identity (git commit, DVC experiment, data digest) and tags, and running a flow (servers checked first; stale runs
marked Crashed; finished work kept through a Prefect outage)."""

from __future__ import annotations

import functools
import logging
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # pragma: no cover - typing only
    from nircolor.config import TrackingConfig

PARAMS_FILE = "params.yaml"
PID_TAG = "pid"  # Prefect tag `pid:<host>:<pid>` of the process running a flow run


def workspace() -> Path:
    """Where this stage runs: the checkout holding this code (a temporary copy under `dvc exp run --temp`)."""
    return Path(__file__).resolve().parents[1]


def repo_root() -> Path:
    """The main checkout, even when this code runs from a `dvc exp run --temp/--queue` workspace.

    DVC sets DVC_ROOT to the parent repository for queued/temp experiments; failing that, a temp
    workspace lives at <repo>/.dvc/tmp/exps/<name>/, so walk up out of it; else the workspace.
    The one rule for "the repository": the MLflow store, the servers' state and launches use it.
    """
    dvc_root = os.environ.get("DVC_ROOT")
    if dvc_root and Path(dvc_root).is_dir():
        return Path(dvc_root).resolve()
    here = workspace()
    parts = here.parts
    for i in range(len(parts) - 3):
        if parts[i : i + 3] == (".dvc", "tmp", "exps"):
            return Path(*parts[:i])
    return here


def tracking_config(params_file: Path | None = None) -> TrackingConfig:
    """params.yaml's `tracking` section (MLflow experiment, registered model name), validated by the
    config schema; the schema's defaults when the workspace has no params.yaml."""
    from nircolor.config import load_config

    path = params_file or workspace() / PARAMS_FILE
    return load_config(path if path.exists() else None).tracking


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
    before any work. Then `mark_stale_runs_crashed`: runs of this flow left "Running" by a
    process that is gone (killed mid-stage) are set Crashed. Then, if the Prefect API dies
    during the run: tasks go on (Prefect 3 sends task states and logs in the background and
    drops what it cannot send, with warnings), but recording the flow's final state retries for
    about a minute (PREFECT_CLIENT_MAX_RETRIES=5, backoff 2, 4, … s) and then raises. When the
    flow's body had already returned, that error would throw away finished work (a trained
    phase), so its result is returned instead, after one more try to record the state; if that
    fails too, a log line and the MLflow tag `prefect_state_lost` on the result's runs say so.
    The flow run then stays "Running" in Prefect until the next run of the stage marks it Crashed.
    """
    from prefect import tags as prefect_tag_context

    preflight()
    # Validated by the flow itself (its annotations resolve in its own module), before any run
    validated = flow_fn.validate_parameters(params) if flow_fn.should_validate_parameters else params
    mark_stale_runs_crashed(flow_fn.name)
    done: dict[str, Any] = {}
    guarded = _keeping_result(flow_fn, done)
    with prefect_tag_context(*prefect_tags(identity), _pid_tag()):
        try:
            return guarded(**validated)
        except Exception as err:
            if "result" not in done or not _is_api_error(err):
                raise
            return _final_state_lost(done["flow_run_id"], done["result"], err)


def _keeping_result(flow_fn, done: dict[str, Any]):
    """The same flow (name, parameters, options, hooks) whose body also keeps its run id and return value in `done`.

    A new flow built by `prefect.flow` around a wrapper of the original function (functools.wraps:
    the same name, signature and docstring). It does not validate parameters again: the wrapper
    lives in this module, where the original's string annotations (`cfg: Config`) do not resolve,
    so `run_flow` has the original flow validate them first (`Flow.validate_parameters`).
    """
    from prefect import flow
    from prefect.runtime import flow_run

    @functools.wraps(flow_fn.fn)
    def body(*args, **kwargs):
        done["flow_run_id"] = flow_run.id
        done["result"] = flow_fn.fn(*args, **kwargs)
        return done["result"]

    return flow(
        body,
        name=flow_fn.name,
        description=flow_fn.description,
        version=flow_fn.version,
        flow_run_name=flow_fn.flow_run_name,
        retries=flow_fn.retries,
        retry_delay_seconds=flow_fn.retry_delay_seconds,
        timeout_seconds=flow_fn.timeout_seconds,
        validate_parameters=False,  # done by the original flow, in run_flow
        persist_result=flow_fn.persist_result,
        result_storage=flow_fn.result_storage,
        result_serializer=flow_fn.result_serializer,
        cache_result_in_memory=flow_fn.cache_result_in_memory,
        log_prints=flow_fn.log_prints,
        on_completion=flow_fn.on_completion_hooks,
        on_failure=flow_fn.on_failure_hooks,
        on_cancellation=flow_fn.on_cancellation_hooks,
        on_crashed=flow_fn.on_crashed_hooks,
        on_running=flow_fn.on_running_hooks,
    )


def _pid_tag(pid: int | None = None) -> str:
    return f"{PID_TAG}:{socket.gethostname()}:{pid or os.getpid()}"


def _run_process_gone(tags: list[str]) -> bool:
    """Whether the process that ran a flow run (its `pid:<host>:<pid>` tag) no longer exists.

    A run without the tag (or from another host) counts as gone: the stages of this project run
    one at a time, so a Running run of the flow now starting is left over from a killed one.
    """
    for tag in tags:
        kind, _, rest = tag.partition(":")
        host, _, pid = rest.rpartition(":")
        if kind == PID_TAG and host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return True
            except PermissionError:  # alive, someone else's
                return False
            return False
    return True


def mark_stale_runs_crashed(flow_name: str) -> list[str]:
    """Set Crashed every run of `flow_name` still "Running" whose process is gone; their ids.

    A stage killed mid-run (kill -9, a lost machine) never reports a final state; the next run
    of that stage sets it here, through the client's `set_flow_run_state`. Best effort: a
    Prefect API that does not answer costs a warning, not the run.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    marked: list[str] = []
    try:
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
                flow_run_filter=FlowRunFilter(state={"type": FlowRunFilterStateType(any_=[StateType.RUNNING])}),
            )
            for run in runs:
                if not _run_process_gone(list(run.tags or [])):
                    continue
                message = ("its process ended without reporting a final state (killed mid-stage, or the Prefect "
                           "API was unreachable at its end); marked when the stage ran again")
                client.set_flow_run_state(run.id, Crashed(message=message), force=True)
                marked.append(str(run.id))
    except Exception as err:  # noqa: BLE001 - bookkeeping of old runs never fails a new one
        logging.getLogger("flows").warning("could not check %s's old runs for crashes: %s", flow_name, err)
        return marked
    if marked:
        logging.getLogger("flows").warning("flow %s: %d run(s) left Running by a killed process set Crashed: %s",
                                           flow_name, len(marked), ", ".join(marked))  # fmt: skip
    return marked


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
            f"unreachable ({type(err).__name__}: {str(err)[:200]}); it stays Running there until the stage runs again")  # fmt: skip
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


