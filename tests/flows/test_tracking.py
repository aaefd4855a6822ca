"""Tracking adapter: store location, reachability, parent/nested runs, params, epoch metrics, artifacts."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows import common
from flows.tracking import Tracker, TrackingUnavailable, flatten_params, tracking_uri
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


# -- where runs go ------------------------------------------------------------------------------


def test_default_uri_is_an_absolute_sqlite_file_at_the_repo_root(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DVC_ROOT", raising=False)
    uri = tracking_uri()
    assert uri == f"sqlite:///{REPO}/mlflow.db"
    assert Path(uri.removeprefix("sqlite:///")).is_absolute()


def test_env_uri_wins(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert tracking_uri() == "http://127.0.0.1:5000"


def test_dvc_temp_workspaces_use_the_main_checkout_store(monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))  # what `dvc exp run --temp/--queue` sets
    assert tracking_uri() == f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.delenv("DVC_ROOT")
    monkeypatch.setattr(common, "workspace", lambda: tmp_path / ".dvc" / "tmp" / "exps" / "tmpab12cd")
    assert tracking_uri() == f"sqlite:///{tmp_path}/mlflow.db"


def test_new_experiment_keeps_artifacts_beside_the_database(tracker, tmp_path):
    exp = tracker.client.get_experiment(tracker.experiment_id)
    assert exp.name == "nir-colorization"
    assert exp.artifact_location == (tmp_path / "mlartifacts").as_uri()
    assert Tracker(uri=tracker.uri).experiment_id == tracker.experiment_id  # get, not create


# -- reachability -------------------------------------------------------------------------------


def test_unreachable_server_fails_fast_naming_the_uri():
    uri = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(TrackingUnavailable, match=f"{uri}.*unreachable"):
        Tracker(uri=uri)
    assert time.monotonic() - start < 10


def test_silent_server_times_out_within_the_limit():
    with socket.socket() as server:  # accepts connections (backlog) but never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        uri = f"http://127.0.0.1:{server.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(TrackingUnavailable, match=uri):
            Tracker(uri=uri, timeout_s=1.0)
        assert time.monotonic() - start < 5


# -- runs ---------------------------------------------------------------------------------------

RECIPE = {
    "loss": {"gan_mode": "vanilla", "lambda_cycle": 100.0, "lambda_pair": np.float64(60.0)},
    "augment": {"contrast_range": (0.5, 1.5)},
    "variants": {"dense": {"overrides": {}}},
    "train": {"batch_size": np.int64(1), "device": "cpu"},
}


def test_parent_and_nested_phase_runs(tracker):
    parent = tracker.variant_run("dense", tags={"pipeline": "test"})
    children = [tracker.start_phase(parent, "dense", p, RECIPE, tags={"data": "abc"}) for p in ("phase1", "phase2", "phase3")]

    assert tracker.variant_run("dense", parent_id=parent, tags={"resumed": 1}) == parent
    assert tracker.client.get_run(parent).data.tags["resumed"] == "1"
    found = tracker.runs(**{"mlflow.parentRunId": parent})
    assert [r.info.run_id for r in found] == children
    for run, phase in zip(found, ("phase1", "phase2", "phase3")):
        assert run.info.run_name == f"dense-{phase}"
        assert run.data.tags["variant"] == "dense" and run.data.tags["phase"] == phase
        assert run.data.tags["data"] == "abc"
        assert run.data.params["loss.lambda_cycle"] == "100.0"
        assert run.data.params["loss.lambda_pair"] == "60.0"
        assert run.data.params["augment.contrast_range"] == "[0.5, 1.5]"
        assert run.data.params["train.batch_size"] == "1"
        assert run.data.params["variants.dense.overrides"] == "{}"
    assert [r.info.run_id for r in tracker.runs(variant="dense", phase="phase2")] == [children[1]]
    parent_run = tracker.client.get_run(parent)
    assert parent_run.info.run_name == "dense" and parent_run.data.tags["pipeline"] == "test"


def test_unknown_or_foreign_parent_id_starts_a_new_parent(tracker):
    assert tracker.variant_run("dense", parent_id="0" * 32) != "0" * 32
    baseline = tracker.variant_run("baseline")
    with pytest.raises(ValueError, match="parent of variant 'baseline'"):
        tracker.variant_run("dense", parent_id=baseline)


def test_many_params_go_in_batches(tracker):
    run = tracker.start_phase(tracker.variant_run("dense"), "dense", "phase1", {f"p{i:03d}": i for i in range(250)})
    params = tracker.client.get_run(run).data.params
    assert len(params) == 250 and params["p249"] == "249"


def test_flatten_params_values():
    from nircolor.config import load_config

    flat = flatten_params(load_config(None))  # the typed recipe itself
    assert flat["loss.lambda_pair"] == "60.0" and flat["loss.lambda_cycle"] == "100.0"
    assert flat["augment.contrast_range"] == "[0.5, 1.5]"
    assert flatten_params({"a": [np.float32(0.5), np.int64(2)], "b": np.arange(3)}) == {"a": "[0.5, 2]", "b": "[0, 1, 2]"}
    assert len(flatten_params({"a": {"b": "x" * 7000}})["a.b"]) == 6000


def test_epoch_records_become_train_metrics_by_step(tracker):
    run = tracker.start_phase(tracker.variant_run("dense"), "dense", "phase1", {})
    for epoch in (1, 2, 3):
        record = {
            "epoch": epoch,
            "loss_g": np.float32(3.0 / epoch),
            "loss_pair_rgb": 0.5,
            "lr": 2e-4,
            "images_per_s": 12,
            "seconds": 0.25,
            "mode": "paired",
            "phase": "phase1",
            "complete": True,
        }
        tracker.log_epoch(run, epoch, record)
    history = tracker.client.get_metric_history(run, "train/loss_g")
    assert [m.step for m in history] == [1, 2, 3]
    assert [round(m.value, 4) for m in history] == [3.0, 1.5, 1.0]
    metrics = tracker.client.get_run(run).data.metrics
    assert set(metrics) == {"train/loss_g", "train/loss_pair_rgb", "train/lr", "train/images_per_s", "train/seconds"}

    tracker.log_metrics(run, {"val/psnr": np.float64(21.25), "val/ssim": 0.71, "val/ae": 5, "note": "x"}, step=3)
    metrics = tracker.client.get_run(run).data.metrics
    assert metrics["val/psnr"] == 21.25 and metrics["val/ae"] == 5.0 and "note" not in metrics


def test_artifacts_tables_images_and_status(tracker, tmp_path):
    run = tracker.start_phase(tracker.variant_run("dense"), "dense", "phase1", {})
    table = pd.DataFrame({"image": ["a", "b"], "psnr": np.array([20.5, 21.0], np.float32), "ssim": [0.5, 0.6]})
    tracker.log_table(run, table, "eval/metrics.json")
    png = tmp_path / "out.png"
    png.write_bytes(b"\x89PNG fake")
    tracker.log_image(run, png, "eval/fig3.png")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("a")
    tracker.log_artifact(run, notes, "notes")
    tracker.set_tags(run, {"epoch": np.int64(3), "complete": True})

    listed = {f.path for f in tracker.client.list_artifacts(run, "eval")}
    assert listed == {"eval/metrics.json", "eval/fig3.png"}
    assert [f.path for f in tracker.client.list_artifacts(run, "notes")] == ["notes/a.txt"]
    stored = json.loads(Path(tracker.client.download_artifacts(run, "eval/metrics.json", str(tmp_path))).read_text())
    assert stored["columns"] == ["image", "psnr", "ssim"] and len(stored["data"]) == 2
    tags = tracker.client.get_run(run).data.tags
    assert tags["epoch"] == "3" and tags["complete"] == "True"

    tracker.finish(run)
    assert tracker.client.get_run(run).info.status == "FINISHED"
    with pytest.raises(ValueError, match="status must be one of"):
        tracker.finish(run, "DONE")


def test_closing_marks_failed_runs(tracker):
    parent = tracker.variant_run("dense")
    with pytest.raises(RuntimeError):
        with tracker.closing(tracker.start_phase(parent, "dense", "phase1", {})) as run:
            raise RuntimeError("boom")
    assert tracker.client.get_run(run).info.status == "FAILED"
    with tracker.closing(tracker.start_phase(parent, "dense", "phase2", {})) as ok:
        pass
    assert tracker.client.get_run(ok).info.status == "FINISHED"
    tracker.reopen(run)  # a resumed phase continues its run
    assert tracker.client.get_run(run).info.status == "RUNNING"
    tracker.finish(parent, "KILLED")
    assert tracker.client.get_run(parent).info.status == "KILLED"


# -- import hygiene -----------------------------------------------------------------------------


def test_importing_tracking_does_not_import_mlflow():
    code = "import sys, flows.tracking; print('mlflow' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "False"


LOGGING_PROBE = """
import logging, sys
handler = logging.StreamHandler(sys.stdout)
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.WARNING)
logging.getLogger("alembic").setLevel(logging.ERROR)
before = (list(logging.getLogger().handlers), logging.getLogger().level, logging.getLogger("alembic").level)
from flows.tracking import import_mlflow
mlflow = import_mlflow()
import mlflow.pyfunc
after = (list(logging.getLogger().handlers), logging.getLogger().level, logging.getLogger("alembic").level)
print(before == after, "mlflow.pyfunc" in sys.modules)
"""


def test_import_mlflow_leaves_logging_alone():
    res = subprocess.run([sys.executable, "-c", LOGGING_PROBE], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().splitlines()[-1] == "True True"
