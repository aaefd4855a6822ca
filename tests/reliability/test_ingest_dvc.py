"""`dvc repro ingest` on broken data: the stage fails naming the file, leaves no finished pack, and DVC
records nothing (dvc.lock unchanged, `dvc status` still shows `ingest` changed). One temporary
project, one Prefect server, several broken datasets in turn."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nircolor.data.io import display_path
from tests.pipeline._project import make_project, prefect_server, project_env, run
from tests.reliability.corpus import CASES, base_dataset, restore_permissions

# One per kind of failure: the pixel data, the header (a bomb), the layout itself.
E2E_CASES = ("truncated_png", "decompression_bomb", "files_at_top_level")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    with prefect_server(tmp_path_factory.mktemp("servers")) as api:
        root = tmp_path_factory.mktemp("proj")
        env = project_env(root, api)
        make_project(root, env, ["--pairs", "3", "--unpaired", "0", "--val", "2", "--size", "32"])
        shutil.rmtree(root / "data")
        base_dataset(root / "data")  # the corpus' valid base: every broken case differs from it in one thing
        run(["dvc", "repro", "ingest"], root, env)
        yield root, env


def _ingest_status(root: Path, env: dict) -> dict:
    return json.loads(run(["dvc", "status", "ingest", "--json"], root, env).stdout)


def test_broken_data_fails_the_stage_by_name_and_dvc_records_nothing(project):
    root, env = project
    lock = (root / "dvc.lock").read_text()
    manifest = root / "artifacts" / "packed" / "manifest.json"
    good_sha = json.loads(manifest.read_text())["sha256"]
    assert _ingest_status(root, env) == {}
    for name in E2E_CASES:
        restore_permissions(root / "data")
        shutil.rmtree(root / "data")
        case = CASES[name](root / "data")
        res = subprocess.run(["dvc", "repro", "ingest"], cwd=root, env=env, capture_output=True, text=True,
                             timeout=300)  # fmt: skip
        output = res.stdout + res.stderr
        assert res.returncode != 0, f"{name}: dvc repro succeeded on broken data:\n{output[-3000:]}"
        assert "Traceback" not in output, f"{name}: a traceback instead of a named error:\n{output[-3000:]}"
        # The stage's last word: the DatasetError naming the file (relative, as params.yaml's paths.data is).
        final = output.rsplit("DatasetError: ", 1)[-1]
        rel = display_path(case.bad.relative_to(root))
        lines = [ln for ln in final.splitlines() if ln.startswith(f"{rel}: ")]
        assert any(case.fragment in ln for ln in lines), f"{name}: no '{rel}: …{case.fragment}…' in:\n{final}"
        assert "failed to reproduce 'ingest'" in output
        # Nothing a later stage could take for good, and nothing recorded as done.
        assert not manifest.exists() or json.loads(manifest.read_text())["sha256"] == good_sha, name
        assert (root / "dvc.lock").read_text() == lock, f"{name}: dvc.lock changed after a failed ingest"
        changed = _ingest_status(root, env)["ingest"]
        assert {"changed deps": {"data": "modified"}} in changed, f"{name}: {changed}"
    # Back to the good data: DVC restores the recorded outputs from its cache without rerunning.
    shutil.rmtree(root / "data")
    base_dataset(root / "data")
    again = run(["dvc", "repro", "ingest"], root, env)
    assert "Running stage 'ingest'" not in again.stdout
    assert json.loads(manifest.read_text())["sha256"] == good_sha
    assert (root / "dvc.lock").read_text() == lock and _ingest_status(root, env) == {}


def test_only_dataset_errors_lose_their_traceback_and_only_while_the_stage_runs():
    import logging

    from flows.ingest import dataset_errors_without_traceback
    from nircolor.data.layout import DatasetError, Problem

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("prefect.task_runs")
    # Only our handler while testing: Prefect's own would try to send these records to its API.
    saved, logger.handlers = logger.handlers, [handler]
    propagate, logger.propagate = logger.propagate, False

    def log_failure(exc: Exception) -> None:
        try:
            raise exc
        except Exception:
            logger.error("Task run failed with exception: %r", exc, exc_info=True)

    try:
        with dataset_errors_without_traceback():
            log_failure(DatasetError([Problem(Path("data/NIR/a_nir.png"), "zero-byte file")]))
            log_failure(RuntimeError("a bug"))
        log_failure(DatasetError([Problem(Path("data/NIR/a_nir.png"), "zero-byte file")]))
    finally:
        logger.handlers, logger.propagate = saved, propagate
    assert [r.exc_info is not None for r in records] == [False, True, True]
    assert "zero-byte file" in records[0].getMessage()  # the message itself is kept
