"""flows.common.run_flow against a real (temporary) Prefect server: result, errors, tags, and stale runs set Crashed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from prefect import flow

from flows.common import mark_stale_runs_crashed, run_flow
from nircolor.config import TrackingConfig


@flow(name="run-flow-probe", log_prints=True)
def probe_flow(cfg: TrackingConfig, n: int = 1) -> dict:
    """A stage-like flow: a pydantic parameter under a string annotation (this module's names)."""
    if n < 0:
        raise KeyError("n must not be negative")
    return {"experiment": cfg.experiment, "n": n}


@pytest.fixture(scope="module")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def client(prefect_api):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        yield c


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(proc.stdout)


def _runs(client, name: str):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    return client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name])))


def test_result_parameters_and_tags(client, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = run_flow(probe_flow, {"stage": "probe", "git_commit": "0123456789abcdef"},
                      cfg={"experiment": "exp-a"}, n=3)  # fmt: skip
    assert result == {"experiment": "exp-a", "n": 3}  # the dict was validated into a TrackingConfig
    (run,) = [r for r in _runs(client, "run-flow-probe") if r.parameters.get("n") == 3]
    assert run.state.type.value == "COMPLETED"
    assert "stage:probe" in run.tags and "git_commit:0123456789ab" in run.tags
    assert f"pid:{socket.gethostname()}:{os.getpid()}" in run.tags


def test_flow_errors_keep_their_type(client):
    with pytest.raises(KeyError, match="negative"):
        run_flow(probe_flow, {"stage": "probe"}, cfg={"experiment": "exp-b"}, n=-1)


def test_runs_left_running_by_a_killed_process_become_crashed(client):
    from prefect.states import Running

    flow_id = client.create_flow(probe_flow)
    assert flow_id
    host = socket.gethostname()
    dead = client.create_flow_run(probe_flow, parameters={"n": 10}, tags=[f"pid:{host}:{_dead_pid()}"], state=Running())
    untagged = client.create_flow_run(probe_flow, parameters={"n": 11}, state=Running())
    alive = client.create_flow_run(probe_flow, parameters={"n": 12}, tags=[f"pid:{host}:{os.getpid()}"], state=Running())
    other = client.create_flow_run(flow(lambda: None, name="another-flow"), state=Running(), tags=["pid:x:1"])

    run_flow(probe_flow, {"stage": "probe"}, cfg={"experiment": "exp-c"}, n=4)

    state = {r.id: r.state for r in _runs(client, "run-flow-probe")}
    assert state[dead.id].type.value == "CRASHED" and "killed mid-stage" in state[dead.id].message
    assert state[untagged.id].type.value == "CRASHED"
    assert state[alive.id].type.value == "RUNNING"  # its process (this one) is still there
    assert client.read_flow_run(other.id).state.type.value == "RUNNING"  # another flow's run is not touched
    assert mark_stale_runs_crashed("run-flow-probe") == []  # nothing left to mark
