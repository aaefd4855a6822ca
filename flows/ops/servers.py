"""One command for the local servers: the Prefect server (flow runs) and the MLflow UI (runs, artifacts, registry).

    python -m flows.ops.servers up [--prefect-port 4200] [--mlflow-port 5000] [--host 127.0.0.1]
    python -m flows.ops.servers status
    python -m flows.ops.servers env      # eval "$(python -m flows.ops.servers env)" before `dvc exp run`
    python -m flows.ops.servers down
    bash scripts/servers.sh up|down|status|env          # the same, after scripts/env.sh

`up` starts both as detached process groups (they outlive the command) and waits until each
answers its health endpoint (Prefect GET /api/health, MLflow GET /health; 60 s each, the log
tail on failure). Running twice is harmless; a port held by another program is an error.

State, all under the repository root (`root=` moves it, as the tests do):

    .servers/<name>.pid    the process-group leader's pid (plain text: `kill $(cat …)` works)
    .servers/<name>.json   host, port, URLs, the command and the store it serves
    .servers/<name>.log    the server's stdout and stderr
    .prefect/              PREFECT_HOME of the server (its SQLite database), unless PREFECT_HOME is set

Why one Prefect server: a flow run started without PREFECT_API_URL spins up a temporary server
(about 10 s) and its runs vanish with it. `pipeline_env()` / `env` give the variables a
pipeline run needs so every stage's flow shows in this one server:

    PREFECT_API_URL=http://127.0.0.1:<port>/api
    MLFLOW_TRACKING_URI=sqlite:///<repo>/mlflow.db   (the file itself, not the UI's http URL)

The tracking URI stays the SQLite file on purpose: stages log straight into the store the UI
reads, so a stopped UI never fails a pipeline run.

Artifacts. The UI is started with

    mlflow server --backend-store-uri sqlite:///<dir>/mlflow.db \
                  --default-artifact-root file:///<dir>/mlartifacts \
                  --artifacts-destination file:///<dir>/mlartifacts --workers 1

where <dir> is the SQLite file's folder (the repository root by default): the same place
`flows.tracking.artifact_root_for(uri)` gives. A client writing to the SQLite file directly
(every stage) uses the artifact location *of the experiment*, and MLflow's own default for a
SQLite store is `./mlruns` under the current directory (a DVC temp workspace under
`dvc exp run --temp/--queue`). So the experiment must be created with
`artifact_location=file:///<dir>/mlartifacts` (Tracker does: `artifact_root_for(uri)`); runs
then keep artifacts in `<dir>/mlartifacts/<run_id>/artifacts`, which this server reads as plain
files. An experiment created in the UI gets `file:///<dir>/mlartifacts/<experiment_id>` (the
default root), also plain files, so both kinds of client can read it. Never let the server hand
out `mlflow-artifacts:/` locations: a SQLite client cannot resolve them.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.common import repo_root
from flows.ops.processes import (
    CHILDREN,
    STOP_GRACE_S,
    Server,
    ServerError,
    forget,
    healthy,
    live_leader,
    log_file,
    port_in_use,
    read_record,
    spawn,
    terminate,
    wait_healthy,
)
from nircolor.environment import quiet_environment

SERVERS = ("prefect", "mlflow")
DEFAULT_PORTS = {"prefect": 4200, "mlflow": 5000}
DEFAULT_HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0
# MLflow's GenAI job runner (scorers, trace rollups): an extra process we never use.
_SERVER_ENV = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
_CHILDREN = CHILDREN  # processes this Python process started (tests look at it)


# --------------------------------------------------------------------------------------------
# Where things live


def _root(root: str | os.PathLike[str] | None) -> Path:
    return Path(root).resolve() if root is not None else repo_root()


def state_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """`<root>/.servers`: pid files, state records and logs."""
    return _root(root) / ".servers"


def _tracking_uri(root: Path | None) -> str:
    """The store the stages write to: flows.tracking's rule, or `<root>/mlflow.db` when root is given."""
    if root is not None and not os.environ.get("MLFLOW_TRACKING_URI"):
        return f"sqlite:///{root / 'mlflow.db'}"
    from flows.tracking import tracking_uri

    return tracking_uri()


def _artifact_root(store_uri: str) -> str:
    from flows.tracking import artifact_root_for

    root = artifact_root_for(store_uri)
    if root is None:
        raise ServerError(
            f"the MLflow UI serves a local SQLite store; MLFLOW_TRACKING_URI={store_uri!r} is not one "
            "(unset it to use <repo>/mlflow.db, or point it at a sqlite:///… file)"
        )
    return root


def _prefect_home(root: Path) -> Path:
    home = os.environ.get("PREFECT_HOME")
    return Path(home).expanduser() if home else root / ".prefect"

def _specs(
    root: Path, host: str, ports: Mapping[str, int], store_uri: str
) -> dict[str, Server]:
    artifacts = _artifact_root(store_uri)
    py = sys.executable
    return {
        "prefect": Server(
            "prefect", host, ports["prefect"],
            (py, "-m", "prefect", "server", "start", "--host", host, "--port", str(ports["prefect"])),
            "/api/health", store=str(_prefect_home(root)),
        ),
        "mlflow": Server(
            "mlflow", host, ports["mlflow"],
            (py, "-m", "mlflow", "server", "--backend-store-uri", store_uri,
             "--default-artifact-root", artifacts, "--artifacts-destination", artifacts,
             "--host", host, "--port", str(ports["mlflow"]), "--workers", "1"),
            "/health", store=store_uri,
        ),
    }  # fmt: skip


def _child_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    quiet_environment(env)  # the network is closed: no analytics, telemetry or update checks
    for key, value in _SERVER_ENV.items():
        env.setdefault(key, value)
    env["PREFECT_HOME"] = str(_prefect_home(root))
    # The server is the API; a client setting pointing elsewhere would only confuse it.
    env.pop("PREFECT_API_URL", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    return env

@dataclass(frozen=True)
class Status:
    """One server as `status` sees it."""

    name: str
    state: str  # running | starting | stopped
    url: str | None = None
    pid: int | None = None
    detail: str = ""


def server_status(
    *, root: str | os.PathLike[str] | None = None, names: Iterable[str] = SERVERS
) -> dict[str, Status]:
    """{name: Status}; a pid file whose process is gone is cleaned up and reported stopped."""
    sdir = state_dir(root)
    out: dict[str, Status] = {}
    for name in names:
        record = read_record(sdir, name)
        if record is None:
            forget(sdir, name)
            out[name] = Status(name, "stopped")
            continue
        if live_leader(record) is None:
            forget(sdir, name)
            out[name] = Status(name, "stopped", detail=f"pid {record['pid']} had exited; state removed")
            continue
        state = "running" if healthy(record["health_url"]) else "starting"
        out[name] = Status(name, state, record["url"], int(record["pid"]), detail=record.get("store", ""))
    return out


def servers_up(
    prefect_port: int = DEFAULT_PORTS["prefect"],
    mlflow_port: int = DEFAULT_PORTS["mlflow"],
    host: str = DEFAULT_HOST,
    *,
    root: str | os.PathLike[str] | None = None,
    store_uri: str | None = None,
    timeout_s: float = START_TIMEOUT_S,
    report=None,
) -> dict[str, str]:
    """Start whichever of the two servers is not running; {"prefect": url, "mlflow": url}.

    `root` holds .servers/ and .prefect/ (default: the repository); `store_uri` is the MLflow
    store (default: flows.tracking.tracking_uri(), or `<root>/mlflow.db` when `root` is given).
    `report(line)` receives progress lines (the CLI prints them). A server already running is
    left alone, even on another port than asked. On a failure, the servers this call started are
    stopped again and ServerError carries the log tail.
    """
    say = report or (lambda line: None)
    if prefect_port == mlflow_port:
        raise ValueError(f"the Prefect and MLflow ports must differ (both {prefect_port})")
    base = _root(root)
    uri = store_uri or _tracking_uri(base if root is not None else None)
    specs = _specs(base, host, {"prefect": prefect_port, "mlflow": mlflow_port}, uri)
    sdir = state_dir(base)
    sdir.mkdir(parents=True, exist_ok=True)

    records: dict[str, dict] = {}
    to_start: list[Server] = []
    for name, spec in specs.items():
        record = read_record(sdir, name)
        if record is not None and live_leader(record) is not None:
            if name == "mlflow" and record.get("store") != uri:
                say(f"mlflow: note: the running UI serves {record.get('store')}, not {uri}")
            say(f"{name}: already running (pid {record['pid']}) at {record['url']}")
            records[name] = record
            continue
        forget(sdir, name)
        if port_in_use(spec.host, spec.port):
            raise ServerError(
                f"{name}: port {spec.port} on {spec.host} is already in use by another program; "
                f"stop it or choose another with --{name}-port"
            )
        to_start.append(spec)

    if any(s.name == "prefect" for s in to_start):
        _prefect_home(base).mkdir(parents=True, exist_ok=True)
    env = _child_env(base)
    started: list[dict] = []
    try:
        for spec in to_start:  # both start at once: their start-ups overlap
            say(f"{spec.name}: starting on {spec.host}:{spec.port} (log {log_file(sdir, spec.name)})")
            record = spawn(spec, sdir, env, base)
            started.append(record)
            records[spec.name] = record
        t0 = time.monotonic()
        wait_healthy([records[name] for name in SERVERS], timeout_s)
        if started:
            say(f"ready after {time.monotonic() - t0:.1f} s")
    except BaseException:
        for record in started:
            terminate(record)
            forget(sdir, record["name"])
        raise
    return {name: records[name]["url"] for name in SERVERS}


def servers_down(
    *, root: str | os.PathLike[str] | None = None, grace_s: float = STOP_GRACE_S, report=None
) -> dict[str, bool]:
    """Stop both servers (SIGTERM, SIGKILL after `grace_s`); {name: whether one was running}."""
    say = report or (lambda line: None)
    sdir = state_dir(root)
    stopped: dict[str, bool] = {}
    for name in SERVERS:
        record = read_record(sdir, name)
        was_running = record is not None and live_leader(record) is not None
        if was_running:
            say(f"{name}: stopping pid {record['pid']}")
            terminate(record, grace_s)
        say(f"{name}: stopped")
        forget(sdir, name)
        stopped[name] = was_running
    return stopped


def pipeline_env(*, root: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The variables a pipeline run uses with the servers up: PREFECT_API_URL and MLFLOW_TRACKING_URI.

    MLFLOW_TRACKING_URI is the SQLite store the UI serves (not the UI's URL). ServerError when
    the Prefect server is not running.
    """
    sdir = state_dir(root)
    prefect = read_record(sdir, "prefect")
    if prefect is None or live_leader(prefect) is None:
        raise ServerError("the Prefect server is not running; start it with: bash scripts/servers.sh up")
    mlflow = read_record(sdir, "mlflow")
    if mlflow is not None and live_leader(mlflow) is not None and mlflow.get("store"):
        uri = mlflow["store"]
    else:
        uri = _tracking_uri(_root(root) if root is not None else None)
    return {"PREFECT_API_URL": prefect["url"] + "/api", "MLFLOW_TRACKING_URI": uri}


# --------------------------------------------------------------------------------------------
# Command line


def _print_status(statuses: Mapping[str, Status]) -> None:
    for st in statuses.values():
        where = f" at {st.url} (pid {st.pid})" if st.url else ""
        extra = f" — {st.detail}" if st.detail and st.state != "stopped" else ""
        print(f"{st.name}: {st.state}{where}{extra}")


def _print_urls(urls: Mapping[str, str]) -> None:
    print(f"Prefect UI  {urls['prefect']}")
    print(f"MLflow UI   {urls['mlflow']}")
    print('Pipeline env: eval "$(python -m flows.ops.servers env)"')


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.ops.servers", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=None, help="folder of .servers/ and .prefect/ (default: the repository)")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", parents=[common], help="start the Prefect server and the MLflow UI (no-op if running)")
    up.add_argument("--prefect-port", type=int, default=DEFAULT_PORTS["prefect"])
    up.add_argument("--mlflow-port", type=int, default=DEFAULT_PORTS["mlflow"])
    up.add_argument("--host", default=DEFAULT_HOST, help="interface to bind (default 127.0.0.1: this machine only)")
    up.add_argument("--timeout", type=float, default=START_TIMEOUT_S, help="seconds to wait for each server")
    sub.add_parser("down", parents=[common], help="stop both servers")
    sub.add_parser("status", parents=[common], help="running / stopped, with URLs (exit 3 unless both run)")
    sub.add_parser("env", parents=[common], help='export lines for a pipeline run: eval "$(python -m flows.ops.servers env)"')
    args = parser.parse_args(argv)
    root = args.root
    quiet_environment()

    try:
        if args.command == "up":
            urls = servers_up(args.prefect_port, args.mlflow_port, args.host, root=root, timeout_s=args.timeout,
                              report=lambda line: print(line, flush=True))  # fmt: skip
            _print_urls(urls)
        elif args.command == "down":
            servers_down(root=root, report=print)
        elif args.command == "status":
            statuses = server_status(root=root)
            _print_status(statuses)
            return 0 if all(s.state == "running" for s in statuses.values()) else 3
        elif args.command == "env":
            env = pipeline_env(root=root)
            statuses = server_status(root=root)
            env["PREFECT_UI_URL"] = statuses["prefect"].url or ""
            if statuses["mlflow"].url:
                env["MLFLOW_UI_URL"] = statuses["mlflow"].url
            for key, value in env.items():
                print(f"export {key}={shlex.quote(value)}")
    except (ServerError, ValueError) as err:
        print(f"flows.ops.servers: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
