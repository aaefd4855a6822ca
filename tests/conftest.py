"""Shared fixtures: a tiny synthetic dataset, packed once per session, and a tiny recipe."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nircolor.environment import quiet_environment

quiet_environment()  # the test session is an entry point: no telemetry, analytics or update checks

REPO = Path(__file__).resolve().parents[1]
SHARED_VCIP = REPO.parent / "shared" / "data" / "vcip2020"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` right now (the OS picks it): `from tests.conftest import free_port`."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """6 pairs, 4 unpaired RGB, 2 validation pairs at 32×32 (SYNTHETIC)."""
    from nircolor.data.synth import write_synthetic

    root = tmp_path_factory.mktemp("tiny") / "data"
    write_synthetic(root, n_pairs=6, n_unpaired=4, n_val=2, size=32, seed=0)
    return root


@pytest.fixture(scope="session")
def tiny_pack(tiny_dataset, tmp_path_factory):
    """(TrainArrays, validation PairArrays) of the tiny dataset."""
    from nircolor.data.packed import load_packed, pack_dataset
    from nircolor.data.validate import validate_dataset

    out = tmp_path_factory.mktemp("packed")
    pack_dataset(validate_dataset(tiny_dataset), out)
    train, val, _ = load_packed(out)
    return train, val


from tests.recipes import TINY_OVERRIDES  # noqa: E402  (profiles/tiny.yaml)


@pytest.fixture
def tiny_overrides() -> dict:
    """A copy of the tiny recipe's overrides, for tests that change one more key."""
    return dict(TINY_OVERRIDES)


@pytest.fixture
def tiny_cfg(tiny_overrides):
    from nircolor.config import load_config

    return load_config(None, tiny_overrides)
