"""The `mlflow models serve` command line of a registered model: argv and environment, bound to this machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nircolor.environment import quiet_environment
from nircolor.serving import TORCH_THREADS_ENV

SERVE_HOST = "127.0.0.1"  # this machine only, unless a person asks otherwise
DEFAULT_PORT = 5001  # beside the MLflow UI (5000)


def model_server_command(
    model_uri: str,
    port: int,
    *,
    host: str = SERVE_HOST,
    workers: int = 1,
    torch_threads: int | None = None,
    request_timeout_s: int | None = None,
) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of `mlflow models serve` for `model_uri`, bound to 127.0.0.1 unless asked.

    `torch_threads` defaults to this machine's cores divided among the `workers` (at least 1).
    The environment is this one's, with the venv's bin/ first on PATH (MLflow starts `uvicorn`
    by name) and the network-closed settings of the project.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = torch_threads or max(1, cores // workers)
    argv = [sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local",
            "-h", host, "-p", str(port), "-w", str(workers)]  # fmt: skip
    if request_timeout_s:
        argv += ["-t", str(request_timeout_s)]
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env[TORCH_THREADS_ENV] = str(threads)
    quiet_environment(env)
    return argv, env
