"""Server processes of `flows.ops.servers`: pid files and state records, health probes, start and stop.

Each server runs as a detached process group; `.servers/<name>.pid` holds the leader's pid and
`.servers/<name>.json` its record (with the process start time, so a reused pid is never taken
for ours), `.servers/<name>.log` its output. The start time is compared as seconds after boot:
psutil's `create_time()` is the boot time plus that, and on Linux the boot time it reads moves
whenever the system clock is stepped (a VM's clock resync moved it by 54 s under a one-hour
pipeline run), which made a live server look like a reused pid and orphaned it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from nircolor.fsutil import atomic_write_text

STOP_GRACE_S = 10.0

# Processes this Python process started: reaped on `down`, so none is left a zombie.
CHILDREN: dict[int, subprocess.Popen] = {}


class ServerError(RuntimeError):
    """A server could not be started or stopped; the message says which and why."""


@dataclass(frozen=True)
class Server:
    """How to start one server and how to tell that it is up."""

    name: str
    host: str
    port: int
    argv: tuple[str, ...]
    health_path: str
    store: str = ""  # what it serves: the MLflow store URI / Prefect's home

    @property
    def url(self) -> str:
        return f"http://{connect_host(self.host)}:{self.port}"

    @property
    def health_url(self) -> str:
        return self.url + self.health_path


def connect_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host`."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


# --------------------------------------------------------------------------------------------
# State records


def pid_file(sdir: Path, name: str) -> Path:
    return sdir / f"{name}.pid"


def record_file(sdir: Path, name: str) -> Path:
    return sdir / f"{name}.json"


def log_file(sdir: Path, name: str) -> Path:
    return sdir / f"{name}.log"


def read_record(sdir: Path, name: str) -> dict | None:
    """The state of `name` if its pid file and record exist and agree, else None."""
    try:
        pid = int(pid_file(sdir, name).read_text().strip())
        record = json.loads(record_file(sdir, name).read_text())
    except (OSError, ValueError):
        return None
    if record.get("pid") != pid:
        return None
    return record


def since_boot(proc: psutil.Process) -> float | None:
    """Seconds from boot to `proc`'s start, which a system clock step does not move; None if unknown."""
    try:
        return proc.create_time() - psutil.boot_time()
    except (psutil.Error, RuntimeError, OSError):
        return None


def write_record(sdir: Path, server: Server, proc: psutil.Process) -> dict:
    record = {
        "name": server.name,
        "pid": proc.pid,
        "create_time": proc.create_time(),
        "since_boot": since_boot(proc),
        "host": server.host,
        "port": server.port,
        "url": server.url,
        "health_url": server.health_url,
        "store": server.store,
        "argv": list(server.argv),
        "log": str(log_file(sdir, server.name)),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    # the record first, then the pid file: a reader that finds the pid finds its record whole
    atomic_write_text(record_file(sdir, server.name), json.dumps(record, indent=2) + "\n")
    atomic_write_text(pid_file(sdir, server.name), f"{proc.pid}\n")
    return record


def forget(sdir: Path, name: str) -> None:
    for path in (pid_file(sdir, name), record_file(sdir, name)):
        path.unlink(missing_ok=True)


def live_leader(record: Mapping) -> psutil.Process | None:
    """The live process of a record: same pid *and* start time (a reused pid is not ours)."""
    pid = int(record["pid"])
    child = CHILDREN.get(pid)
    if child is not None and child.poll() is not None:  # reap our own exited child
        CHILDREN.pop(pid, None)
        return None
    try:
        proc = psutil.Process(pid)
        if record.get("since_boot") is not None:  # records written before it: create_time alone
            now = since_boot(proc)
            if now is None or abs(now - float(record["since_boot"])) > 1.0:
                return None
        elif abs(proc.create_time() - float(record.get("create_time", 0))) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


# --------------------------------------------------------------------------------------------
# Probes


def healthy(url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on (host, port) or binding it would fail."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is not "in use"
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise ServerError(f"cannot bind {host}:{port}: {err}") from None
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((connect_host(host).strip("[]"), port)) == 0


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:]) or "(empty log)"


# --------------------------------------------------------------------------------------------
# Start and stop


def spawn(server: Server, sdir: Path, env: Mapping[str, str], cwd: Path) -> dict:
    log = log_file(sdir, server.name)
    with open(log, "ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(server.argv)}\n".encode())
        out.flush()
        env = dict(env)
        if server.name == "prefect":
            # the UI's browser code calls the API at PREFECT_UI_API_URL, which otherwise stays
            # at the default port 4200 whatever --port says
            env["PREFECT_UI_API_URL"] = f"{server.url.rstrip('/')}/api"
            env["PREFECT_SERVER_API_HOST"], env["PREFECT_SERVER_API_PORT"] = server.host, str(server.port)
        proc = subprocess.Popen(
            server.argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,  # its own process group: `down` ends all of it
        )  # fmt: skip
    CHILDREN[proc.pid] = proc
    return write_record(sdir, server, psutil.Process(proc.pid))


def wait_healthy(records: Sequence[Mapping], timeout_s: float) -> None:
    """Poll every server until all answer; the first to exit (or the clock) ends the wait."""
    waiting = list(records)
    deadline = time.monotonic() + timeout_s
    while waiting:
        for record in list(waiting):
            if healthy(record["health_url"], timeout_s=1.0):
                waiting.remove(record)
            elif live_leader(record) is None:
                raise ServerError(
                    f"{record['name']} server exited during start-up; last lines of {record['log']}:\n"
                    + log_tail(Path(record["log"]))
                )
        if not waiting:
            return
        if time.monotonic() > deadline:
            record = waiting[0]
            raise ServerError(
                f"{record['name']} server did not answer {record['health_url']} within {timeout_s:g} s; "
                f"last lines of {record['log']}:\n" + log_tail(Path(record["log"]))
            )
        time.sleep(0.25)


def terminate(record: Mapping, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM the server's process group (and any descendant that left it), SIGKILL after `grace_s`."""
    leader = live_leader(record)
    pid = int(record["pid"])
    procs: list[psutil.Process] = []
    if leader is not None:
        with contextlib.suppress(psutil.Error):
            procs = [leader, *leader.children(recursive=True)]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.terminate()
        _, alive = psutil.wait_procs(procs, timeout=grace_s)
        if alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            for proc in alive:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            psutil.wait_procs(alive, timeout=5)
    child = CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
