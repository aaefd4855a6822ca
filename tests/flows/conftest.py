"""Fixtures for the flows tests: a throwaway MLflow store per test and tiny real checkpoints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.recipes import TINY_OVERRIDES as TINY  # profiles/tiny.yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory) -> Path:
    """An empty, migrated SQLite store: copying it skips ~1 s of schema migrations per test."""
    from flows.tracking import import_mlflow

    import_mlflow()
    from mlflow.tracking import MlflowClient

    db = tmp_path_factory.mktemp("template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()
    return db


@pytest.fixture
def store_uri(tmp_path, empty_store) -> str:
    """A fresh SQLite tracking/registry store under the test's tmp_path."""
    shutil.copyfile(empty_store, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path}/mlflow.db"


@pytest.fixture
def tracker(store_uri):
    from flows.tracking import Tracker

    return Tracker(uri=store_uri)


@pytest.fixture(scope="session")
def tiny_checkpoints(tiny_pack, tmp_path_factory) -> dict[str, Path]:
    """{variant: phase1 checkpoint} for dense and baseline (32×32, ngf 4; under a second each)."""
    from nircolor.config import load_config
    from nircolor.training.phase import run_phase

    cfg = load_config(None, TINY)
    train, _ = tiny_pack
    out = tmp_path_factory.mktemp("ckpt")
    paths = {}
    for variant in ("dense", "baseline"):
        path = out / variant / "phase1.pt"
        run_phase("phase1", variant=variant, cfg=cfg, data=train, out=path, progress=False)
        paths[variant] = path
    return paths
