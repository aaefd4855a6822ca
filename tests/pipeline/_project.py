"""What the end-to-end DVC tests share: a temporary copy of the project on the tiny profile, one Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from nircolor.config import _set_dotted
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]


def copy_project(dest: Path) -> None:
    """The working tree as git sees it (tracked and untracked, not ignored), without data/."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    for rel in files:
        if rel.startswith("data/") or not (REPO / rel).is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes((REPO / rel).read_bytes())


def run(cmd: list[str], cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@contextmanager
def prefect_server(state: Path) -> Iterator[str]:
    """One Prefect server (and MLflow UI) for every stage of a test module; yields the Prefect API URL."""
    from flows.ops.servers import servers_down, servers_up

    urls = servers_up(free_port(), free_port(), root=state)
    try:
        yield urls["prefect"].rstrip("/") + "/api"
    finally:
        servers_down(root=state)


def project_env(root: Path, prefect_api: str) -> dict[str, str]:
    """The stages' environment: this venv's tools first, the project's own MLflow store, the shared server."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        "PREFECT_API_URL": prefect_api,
        # the copy's own package, not the editable install's: DVC hashes the copy's src/
        "PYTHONPATH": str(root / "src"),
    }


def make_project(root: Path, env: dict, synth: list[str], overrides: dict[str, Any] | None = None) -> None:
    """Copy the project into `root`, synthesize data/ (`nircolor synth` arguments), track it with DVC,
    apply the tiny profile (then `overrides`, dotted keys) to params.yaml and commit it all."""
    copy_project(root)
    run(["git", "init", "-q"], root, env)
    run(["nircolor", "synth", "data", *synth, "--quiet"], root, env)
    run(["dvc", "add", "-q", "data"], root, env)
    params = yaml.safe_load((root / "params.yaml").read_text())
    profile = yaml.safe_load((root / "profiles" / "tiny.yaml").read_text())
    for key, value in {**profile, **(overrides or {})}.items():
        _set_dotted(params, key, value)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run([*GIT, "add", "-A"], root, env)
    run([*GIT, "commit", "-qm", "tiny project"], root, env)
