"""A server's state record survives a stepped system clock, and still rejects a reused pid."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from flows.ops import processes
from flows.ops.processes import Server, live_leader, read_record, write_record


@pytest.fixture
def child():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield psutil.Process(proc.pid)
    proc.kill()
    proc.wait()


def _record(tmp_path, child):
    server = Server("probe", "127.0.0.1", 1, ("python",), "/health")
    write_record(tmp_path, server, child)
    return read_record(tmp_path, "probe")


def test_record_keeps_the_start_time_after_boot(tmp_path, child):
    record = _record(tmp_path, child)
    assert record["since_boot"] == pytest.approx(child.create_time() - psutil.boot_time(), abs=0.01)
    assert live_leader(record).pid == child.pid


def test_a_clock_step_does_not_orphan_a_live_server(tmp_path, child, monkeypatch):
    record = _record(tmp_path, child)
    btime = psutil.boot_time()
    # the clock steps 54 s: psutil's boot time and every create_time() move with it
    monkeypatch.setattr(psutil, "boot_time", lambda: btime + 54.0)
    monkeypatch.setattr(psutil.Process, "create_time", lambda self, _c=child.create_time(): _c + 54.0)
    assert live_leader(record) is not None
    # a record of the old form (create_time only) is what the step broke
    old = {k: v for k, v in record.items() if k != "since_boot"}
    assert live_leader(old) is None


def test_a_reused_pid_is_not_ours(tmp_path, child):
    record = dict(_record(tmp_path, child))
    record["since_boot"] -= 5.0  # the recorded process started 5 s before this one
    assert live_leader(record) is None


def test_unknown_start_time_is_not_ours(tmp_path, child, monkeypatch):
    record = _record(tmp_path, child)
    monkeypatch.setattr(processes, "since_boot", lambda proc: None)
    assert live_leader(record) is None
