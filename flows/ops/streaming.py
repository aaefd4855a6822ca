"""Running a command the way `launch` runs DVC: its output streamed line by line, stopped like Ctrl-C would."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def stop(proc: subprocess.Popen) -> None:
    """Interrupt DVC like Ctrl-C does (it cleans up its lock and temp workspace), then harder.

    Within Prefect's cancellation grace (the runner's SIGTERM becomes an exception here, and
    this runs in `stream`'s finally before the runner's SIGKILL).
    """
    for sig, wait_s in ((signal.SIGINT, 20), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait_s)


def stream(cmd: Sequence[str], cwd: Path, env: Mapping[str, str]) -> tuple[int, list[str]]:
    """Run `cmd`, printing its output line by line; (return code, every line).

    A line redrawn with carriage returns (progress bars) is printed once, as last drawn.
    """
    lines: list[str] = []
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, process_group=0,  # its own group: an interrupt reaches DVC's stages too
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n").split("\r")[-1].rstrip()
            print(line, flush=True)
            lines.append(line)
        returncode = proc.wait()
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()
    return returncode, lines
