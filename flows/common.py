"""Shared flow plumbing: the repository root, run identity (git commit, DVC experiment, data digest), tags,
atomic text outputs."""

from __future__ import annotations

import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import yaml


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


def run_flow(flow_fn, identity: dict[str, str], **params):
    """Run a flow with its identity as Prefect tags (the stage modules never import prefect)."""
    from prefect import tags as prefect_tag_context

    with prefect_tag_context(*prefect_tags(identity)):
        return flow_fn(**params)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write a text output via a temporary file in the same directory and a rename: a reader (or a
    stage killed mid-write and run again) never finds a truncated table that looks complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
