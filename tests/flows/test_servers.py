"""flows.ops.servers: both servers start on free ports in a throwaway root, answer, bind loopback only, and stop."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from flows.ops import servers as serve
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.read()


def cli(*args: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.ops.servers", *args, "--root", str(root)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.fixture(scope="module")
def up(tmp_path_factory):
    """Both servers in a tmp root (PREFECT_HOME and the SQLite store inside it); always stopped."""
    root = tmp_path_factory.mktemp("servers")
    ports = {"prefect": free_port(), "mlflow": free_port()}
    with pytest.MonkeyPatch.context() as mp:
        for key in ("PREFECT_HOME", "PREFECT_API_URL", "MLFLOW_TRACKING_URI"):
            mp.delenv(key, raising=False)
        t0 = time.monotonic()
        try:
            urls = serve.servers_up(ports["prefect"], ports["mlflow"], root=root)
            print(f"\nservers_up: both healthy after {time.monotonic() - t0:.1f} s")
            yield {"root": root, "ports": ports, "urls": urls}
        finally:
            serve.servers_down(root=root)


def test_urls_and_health(up):
    p, m = up["ports"]["prefect"], up["ports"]["mlflow"]
    assert up["urls"] == {"prefect": f"http://127.0.0.1:{p}", "mlflow": f"http://127.0.0.1:{m}"}
    assert get(f"http://127.0.0.1:{p}/api/health")[0] == 200
    assert get(f"http://127.0.0.1:{m}/health")[0] == 200


def test_prefect_ui_calls_the_api_on_its_own_port(up):
    # the browser UI reads its API address from /ui-settings; on a non-default port it must not
    # point at 4200 (seen in a headless-browser check: "Can't connect to Server API")
    import json

    p = up["ports"]["prefect"]
    status, body = get(f"http://127.0.0.1:{p}/ui-settings")
    assert status == 200
    assert json.loads(body)["api_url"] == f"http://127.0.0.1:{p}/api"


def test_state_stays_in_root(up):
    root = up["root"]
    sdir = root / ".servers"
    for name in serve.SERVERS:
        pid = int((sdir / f"{name}.pid").read_text())
        record = json.loads((sdir / f"{name}.json").read_text())
        assert record["pid"] == pid and psutil.pid_exists(pid)
        assert (sdir / f"{name}.log").is_file()
    assert (root / ".prefect" / "prefect.db").is_file()  # PREFECT_HOME inside the root
    assert (root / "mlflow.db").is_file()
    mlflow_argv = json.loads((sdir / "mlflow.json").read_text())["argv"]
    artifacts = (root / "mlartifacts").as_uri()
    assert mlflow_argv[mlflow_argv.index("--default-artifact-root") + 1] == artifacts
    assert mlflow_argv[mlflow_argv.index("--artifacts-destination") + 1] == artifacts


def test_listens_on_loopback_only(up):
    for name in serve.SERVERS:
        record = json.loads((up["root"] / ".servers" / f"{name}.json").read_text())
        leader = psutil.Process(record["pid"])
        listening = [
            conn.laddr
            for proc in [leader, *leader.children(recursive=True)]
            for conn in proc.net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN
        ]
        assert listening, f"{name}: no listening socket found"
        assert {addr.ip for addr in listening} == {"127.0.0.1"}, listening
        assert record["port"] in {addr.port for addr in listening}


def test_status_and_env(up):
    statuses = serve.server_status(root=up["root"])
    assert {n: s.state for n, s in statuses.items()} == {"prefect": "running", "mlflow": "running"}
    assert statuses["mlflow"].url == up["urls"]["mlflow"]
    env = serve.pipeline_env(root=up["root"])
    assert env == {
        "PREFECT_API_URL": up["urls"]["prefect"] + "/api",
        "MLFLOW_TRACKING_URI": f"sqlite:///{up['root'] / 'mlflow.db'}",
    }
    res = cli("status", root=up["root"])
    assert res.returncode == 0, res.stderr
    assert f"prefect: running at {up['urls']['prefect']}" in res.stdout
    assert f"mlflow: running at {up['urls']['mlflow']}" in res.stdout
    res = cli("env", root=up["root"])
    assert res.returncode == 0, res.stderr
    assert f"export PREFECT_API_URL={up['urls']['prefect']}/api" in res.stdout.splitlines()


def test_up_again_is_idempotent(up):
    pids = {n: (up["root"] / ".servers" / f"{n}.pid").read_text() for n in serve.SERVERS}
    lines: list[str] = []
    t0 = time.monotonic()
    urls = serve.servers_up(up["ports"]["prefect"], up["ports"]["mlflow"], root=up["root"], report=lines.append)
    assert time.monotonic() - t0 < 5
    assert urls == up["urls"]
    assert sum("already running" in line for line in lines) == 2, lines
    assert pids == {n: (up["root"] / ".servers" / f"{n}.pid").read_text() for n in serve.SERVERS}


def test_port_taken_by_another_program(up, tmp_path):
    """Another root asking for a port the running servers hold: a clear error, nothing started."""
    with pytest.raises(serve.ServerError, match=rf"port {up['ports']['prefect']} .* in use"):
        serve.servers_up(up["ports"]["prefect"], free_port(), root=tmp_path)
    assert not list((tmp_path / ".servers").glob("*.pid"))


def test_artifacts_logged_to_sqlite_show_in_the_ui(up, tmp_path):
    """A run logged straight to the SQLite file (as every stage does) has its artifact in the UI."""
    from flows.tracking import Tracker

    store = f"sqlite:///{up['root'] / 'mlflow.db'}"
    tracker = Tracker("serve-test", uri=store)
    exp = tracker.client.get_experiment(tracker.experiment_id)
    assert exp.artifact_location == (up["root"] / "mlartifacts").as_uri()
    run_id = tracker.variant_run("dense")
    note = tmp_path / "note.txt"
    note.write_text("hello from sqlite")
    tracker.log_artifact(run_id, note, "notes")
    tracker.finish(run_id)
    assert (up["root"] / "mlartifacts" / run_id / "artifacts" / "notes" / "note.txt").is_file()

    ui = up["urls"]["mlflow"]
    _, body = get(f"{ui}/ajax-api/2.0/mlflow/artifacts/list?run_id={run_id}&path=notes")
    assert [f["path"] for f in json.loads(body)["files"]] == ["notes/note.txt"]
    status, body = get(f"{ui}/get-artifact?path=notes/note.txt&run_uuid={run_id}")
    assert status == 200 and body == b"hello from sqlite"


def test_down_stops_both(up):
    root = up["root"]
    records = {n: json.loads((root / ".servers" / f"{n}.json").read_text()) for n in serve.SERVERS}
    procs = []
    for record in records.values():
        leader = psutil.Process(record["pid"])
        procs += [leader, *leader.children(recursive=True)]
    assert serve.servers_down(root=root) == {"prefect": True, "mlflow": True}
    _, alive = psutil.wait_procs(procs, timeout=5)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert not list((root / ".servers").glob("*.pid")) and not list((root / ".servers").glob("*.json"))
    for name, port in up["ports"].items():
        assert not serve.port_in_use("127.0.0.1", port), f"{name} port {port} still taken"
    assert {n: s.state for n, s in serve.server_status(root=root).items()} == {"prefect": "stopped", "mlflow": "stopped"}
    assert serve.servers_down(root=root) == {"prefect": False, "mlflow": False}  # again: a no-op
    res = cli("status", root=root)
    assert res.returncode == 3 and "prefect: stopped" in res.stdout
    res = cli("env", root=root)
    assert res.returncode == 1 and "not running" in res.stderr


def test_a_server_that_dies_at_start_up_is_reported_with_its_log(tmp_path, monkeypatch):
    """The log tail comes back in the error; whatever this call started is stopped again."""
    real_specs = serve._specs

    def specs(*args, **kwargs):
        out = real_specs(*args, **kwargs)
        bad = serve.Server("mlflow", out["mlflow"].host, out["mlflow"].port,
                           (sys.executable, "-c", "import sys; print('boom: no store'); sys.exit(3)"), "/health")  # fmt: skip
        sleeper = serve.Server("prefect", out["prefect"].host, out["prefect"].port,
                               (sys.executable, "-c", "import time; time.sleep(60)"), "/api/health")  # fmt: skip
        return {"prefect": sleeper, "mlflow": bad}

    monkeypatch.setattr(serve, "_specs", specs)
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    before = set(serve._CHILDREN)
    with pytest.raises(serve.ServerError, match="(?s)exited during start-up.*boom: no store"):
        serve.servers_up(free_port(), free_port(), root=tmp_path, timeout_s=20)
    assert not list((tmp_path / ".servers").glob("*.pid"))
    assert set(serve._CHILDREN) == before  # the sleeper was stopped and reaped


def test_same_port_twice_is_refused(tmp_path):
    with pytest.raises(ValueError, match="must differ"):
        serve.servers_up(5999, 5999, root=tmp_path)


def test_http_store_has_no_ui(tmp_path):
    with pytest.raises(serve.ServerError, match="not one"):
        serve.servers_up(free_port(), free_port(), root=tmp_path, store_uri="http://127.0.0.1:1")
