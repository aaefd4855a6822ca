"""`train.starts`: phase 1 tries N starts (seeds seed, seed + 1, …) for `train.start_epochs` epochs each and
goes on with the best on the held-out training pairs; the kept start's seed draws the rest of the run."""

from __future__ import annotations

import pytest
import torch

from nircolor.config import ConfigError, load_config
from nircolor.data.packed import load_heldout, load_packed, pack_dataset
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training import phase as phase_module
from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.phase import run_phase, starts_line


@pytest.fixture(scope="module")
def held_pack(tiny_dataset, tmp_path_factory):
    """The tiny dataset packed with 2 of its 6 training pairs held out: (train, val, heldout)."""
    out = tmp_path_factory.mktemp("held_pack")
    pack_dataset(validate_dataset(tiny_dataset), out, holdout_pairs=2)
    train, val, _ = load_packed(out)
    return train, val, load_heldout(out)


def _cfg(tiny_overrides, **more):
    return load_config(None, {**tiny_overrides, "ingest.holdout_pairs": 2, "schedule.phase1": 2,
                              "train.val_every": 0, **more})  # fmt: skip


def _same_models(a, b):
    return all(torch.equal(a[net][k], b[net][k]) for net in a for k in a[net]) and a.keys() == b.keys()


def test_the_kept_start_is_the_plain_run_at_its_seed(held_pack, tiny_overrides, tmp_path, monkeypatch):
    """Start 1 scoring best (scores forced 10 then 20 dB): phase 1 ends with the weights of the plain run at
    seed + 1, and phase 2 from it with those of the plain seed + 1 run's phase 2."""
    train, _, heldout = held_pack
    scores = iter([10.0, 20.0])
    real = phase_module._validate

    def fake(g, pairs, *args):
        out = real(g, pairs, *args)
        return {**out, "val_psnr": next(scores)} if pairs is heldout else out

    monkeypatch.setattr(phase_module, "_validate", fake)
    cfg = _cfg(tiny_overrides, **{"train.seed": 4, "train.starts": 2, "train.start_epochs": 1})
    res = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "s1.pt", progress=False,
                    heldout=heldout)  # fmt: skip
    assert res.start["seeds"] == [4, 5] and res.start["scores"] == [10.0, 20.0]
    assert res.start["chosen"] == 1 and res.start["seed"] == 5 and res.start["heldout_pairs"] == 2
    assert [r.get("start") for r in res.history] == [1, None]  # the kept start's epoch, then epoch 2
    assert [r["start"] for r in res.start["histories"]["0"]] == [0]  # the start left behind, kept for the record
    monkeypatch.setattr(phase_module, "_validate", real)

    plain_cfg = _cfg(tiny_overrides, **{"train.seed": 5})
    plain = run_phase("phase1", variant="dense", cfg=plain_cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    mine, theirs = load_checkpoint(res.checkpoint), load_checkpoint(plain.checkpoint)
    assert _same_models(mine["models"], theirs["models"])
    assert mine["start"]["seed"] == 5 and "start" not in theirs

    res2 = run_phase("phase2", variant="dense", cfg=cfg, data=train, out=tmp_path / "s2.pt", init=res.checkpoint,
                     progress=False)  # fmt: skip
    plain2 = run_phase("phase2", variant="dense", cfg=plain_cfg, data=train, out=tmp_path / "p2.pt",
                       init=plain.checkpoint, progress=False)  # fmt: skip
    assert _same_models(load_checkpoint(res2.checkpoint)["models"], load_checkpoint(plain2.checkpoint)["models"])
    assert res2.start == res.start  # carried on to the later phases


def test_scores_are_the_heldout_mean_of_each_start(held_pack, tiny_overrides, tmp_path):
    """Starts as long as phase 1: the phase-1 checkpoint is the kept start, and its recorded score is the mean
    PSNR that evaluate_generator gives on the held-out pairs; the kept one is the best."""
    train, _, heldout = held_pack
    cfg = _cfg(tiny_overrides, **{"train.starts": 3, "train.start_epochs": 2})
    res = run_phase("phase1", variant="baseline", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False,
                    heldout=heldout)  # fmt: skip
    start = res.start
    assert start["seeds"] == [0, 1, 2] and start["chosen"] == start["scores"].index(max(start["scores"]))
    g, _ = load_generator(res.checkpoint, torch.device("cpu"))
    table, _ = evaluate_generator(g, heldout, torch.device("cpu"))
    assert float(table.iloc[-1]["psnr"]) == pytest.approx(start["scores"][start["chosen"]], abs=1e-9)
    assert res.history[-1]["heldout_psnr"] == start["scores"][start["chosen"]]
    line = starts_line(start)
    assert "2 held-out pairs" in line and f"kept seed {start['seed']}" in line
    assert f"seed 1 {start['scores'][1]:.2f} dB" in line


def test_ae_as_the_metric_keeps_the_lowest(held_pack, tiny_overrides, tmp_path, monkeypatch):
    train, _, heldout = held_pack
    aes = iter([7.0, 5.0, 6.0])
    real = phase_module._validate
    monkeypatch.setattr(phase_module, "_validate",
                        lambda g, pairs, *a: {**real(g, pairs, *a), "val_ae": next(aes)})  # fmt: skip
    cfg = _cfg(tiny_overrides, **{"train.starts": 3, "train.start_epochs": 1, "compare.metric": "ae"})
    res = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False,
                    heldout=heldout)  # fmt: skip
    assert res.start["chosen"] == 1 and res.start["metric"] == "ae"


def test_a_kill_after_the_choice_resumes_with_the_kept_seed(held_pack, tiny_overrides, tmp_path, monkeypatch):
    train, _, heldout = held_pack
    scores = iter([1.0, 2.0, 1.0, 2.0])  # start 1 wins in both runs
    real = phase_module._validate
    monkeypatch.setattr(phase_module, "_validate",
                        lambda g, pairs, *a: {**real(g, pairs, *a), "val_psnr": next(scores)})  # fmt: skip
    cfg = _cfg(tiny_overrides, **{"train.starts": 2, "train.start_epochs": 1, "schedule.phase1": 3})
    whole = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "a.pt", progress=False,
                      heldout=heldout)  # fmt: skip

    class Killed(Exception):
        pass

    def kill(epoch, record):
        if epoch == 2 and "start" not in record:  # after the first epoch past the choice is saved
            raise Killed

    with pytest.raises(Killed):
        run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "b.pt", progress=False,
                  heldout=heldout, on_epoch_end=kill)  # fmt: skip
    again = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "b.pt", progress=False,
                      heldout=heldout)  # fmt: skip
    assert again.resumed_from_epoch == 2 and again.start["seed"] == 1
    assert _same_models(load_checkpoint(whole.checkpoint)["models"], load_checkpoint(again.checkpoint)["models"])


def test_no_heldout_pairs_is_refused_by_name(held_pack, tiny_overrides, tmp_path):
    train, _, _ = held_pack
    cfg = _cfg(tiny_overrides, **{"train.starts": 2, "train.start_epochs": 1})
    with pytest.raises(ValueError, match="ingest.holdout_pairs"):
        run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    assert not (tmp_path / "p1.pt").exists()


@pytest.mark.parametrize(
    ("more", "says"),
    [
        ({"ingest.holdout_pairs": 0, "train.start_epochs": 1}, "ingest.holdout_pairs above 0"),
        ({"train.start_epochs": 0}, "between 1 and schedule.phase1"),
        ({"train.start_epochs": 3}, "between 1 and schedule.phase1"),
        ({"train.start_epochs": 1, "train.nproc": 2}, "train.nproc to 1"),
    ],
)
def test_starts_config_errors(tiny_overrides, more, says):
    with pytest.raises(ConfigError, match=says):
        _cfg(tiny_overrides, **{"train.starts": 2, **more})


def test_one_start_is_the_default_and_records_nothing(tiny_overrides):
    cfg = load_config(None, tiny_overrides)
    assert cfg.train.starts == 1 and cfg.train.start_epochs == 0
