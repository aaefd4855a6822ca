"""scripts/rescore.py: a checkpoint scored again, with its EMA or with its live weights."""

from __future__ import annotations

import pandas as pd
import pytest

from nircolor.config import load_config
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training.phase import run_phase
from tests.scripts import load_script


def _rescore():
    """scripts/rescore.py as a module."""
    return load_script("rescore")


@pytest.fixture(scope="module")
def ema_checkpoint(tiny_pack, tmp_path_factory):
    from tests.recipes import TINY_OVERRIDES

    cfg = load_config(None, {**TINY_OVERRIDES, "train.ema_decay": 0.9, "schedule.phase1": 2})
    out = tmp_path_factory.mktemp("rescore") / "p1.pt"
    return run_phase("phase1", variant="baseline", cfg=cfg, data=tiny_pack[0], out=out, progress=False).checkpoint


@pytest.mark.parametrize("weights", ["ema", "live"])
def test_rescore_scores_the_weights_asked_for(weights, ema_checkpoint, tiny_dataset, tiny_pack, tmp_path):
    _rescore().main([str(tiny_dataset), f"m={ema_checkpoint}", "--out", str(tmp_path), "--weights", weights])
    got = pd.read_csv(tmp_path / "eval_m.csv")
    g, meta = load_generator(ema_checkpoint, ema=weights == "ema")
    assert meta["ema"] is (weights == "ema")
    want, _ = evaluate_generator(g, tiny_pack[1])
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False, atol=1e-9)
    other, _ = evaluate_generator(load_generator(ema_checkpoint, ema=weights != "ema")[0], tiny_pack[1])
    assert not got[["psnr", "ssim", "ae"]].equals(other.reset_index(drop=True)[["psnr", "ssim", "ae"]])


def test_rescore_defaults_to_the_ema(ema_checkpoint, tiny_dataset, tmp_path):
    _rescore().main([str(tiny_dataset), f"m={ema_checkpoint}", "--out", str(tmp_path / "a")])
    _rescore().main([str(tiny_dataset), f"m={ema_checkpoint}", "--out", str(tmp_path / "b"), "--weights", "ema"])
    assert (tmp_path / "a" / "eval_m.csv").read_text() == (tmp_path / "b" / "eval_m.csv").read_text()


def test_rescore_refuses_an_unknown_weights_choice(ema_checkpoint, tiny_dataset, tmp_path):
    with pytest.raises(SystemExit):
        _rescore().main([str(tiny_dataset), f"m={ema_checkpoint}", "--out", str(tmp_path), "--weights", "best"])
    assert not (tmp_path / "eval_m.csv").exists()
