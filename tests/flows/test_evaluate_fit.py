"""The evaluate stage's first task (`flows.evaluate.calibrate`): where `evaluate.chroma_fit` says the saturation
scale is fit, what it writes (final.pt, the grid CSV) and what it returns for evaluate.json and MLflow."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.evaluate import calibrate
from nircolor.calibrate import CHROMA_GRID, choose_scale, training_draw
from nircolor.config import load_config
from nircolor.data.packed import load_heldout
from nircolor.training.checkpoint import load_checkpoint
from tests.recipes import TINY_OVERRIDES, train_tiny


@pytest.fixture(scope="module")
def run(tiny_dataset, tmp_path_factory):
    return train_tiny(tiny_dataset, tmp_path_factory.mktemp("fit"), "ingest.holdout_pairs=2")


def _cfg(**evaluate):
    return load_config(None, {**TINY_OVERRIDES, **{f"evaluate.{k}": v for k, v in evaluate.items()}})


@pytest.mark.parametrize("how", ["heldout", "train", "off"])
def test_the_task_fits_where_evaluate_chroma_fit_says(run, tmp_path, how):
    phase3, packed = run / "checkpoints" / "baseline" / "phase3.pt", run / "packed"
    final, fit_csv = tmp_path / "final.pt", tmp_path / "chroma_fit.csv"
    got = calibrate.fn(_cfg(chroma_fit=how, chroma_fit_pairs=3), str(phase3), str(packed), str(final), str(fit_csv))
    grid = pd.read_csv(fit_csv)
    if how == "off":  # a pack with held-out pairs, not used: phase 3 byte for byte, an empty grid
        assert got == {"chroma_scale": 1.0, "chroma_fit_on": "none", "chroma_pairs": 0, "heldout_pairs": 0}
        assert final.read_bytes() == phase3.read_bytes() and grid.empty
        return
    pairs = load_heldout(packed) if how == "heldout" else training_draw(packed, 3)
    assert got["chroma_fit_on"] == how and got["chroma_pairs"] == len(pairs) == (2 if how == "heldout" else 3)
    assert got["heldout_pairs"] == (2 if how == "heldout" else 0)
    assert list(grid["chroma_scale"]) == list(CHROMA_GRID) and got["chroma_scale"] == choose_scale(grid)
    state = load_checkpoint(final)
    assert state["config"]["model"]["chroma_scale"] == got["chroma_scale"]
    assert state["chroma_fit"][f"{how}_stems"] == list(pairs.stems) and state["chroma_fit"]["fit_on"] == how
