"""Training phases: schedule, three-phase chaining, resume equality, NaN stop, leftovers of killed writes."""

from __future__ import annotations

import pytest
import torch

from nircolor.config import load_config
from nircolor.training import cyclegan
from nircolor.training.checkpoint import (
    CheckpointError,
    load_checkpoint,
)
from nircolor.training.epoch import NonFiniteLossError, epoch_lr, epoch_mode
from nircolor.training.phase import resume_path, run_phase
from tests.phase_runs import full_and_resumed


def _weights(path):
    return load_checkpoint(path)["models"]


def _assert_same_weights(a, b):
    for net in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir"):
        for key, tensor in a[net].items():
            assert torch.equal(tensor, b[net][key]), f"{net}.{key} differs"


def test_schedule_follows_the_paper():
    assert [epoch_mode("phase1", k) for k in range(3)] == ["paired"] * 3
    assert [epoch_mode("phase2", k) for k in range(4)] == ["unpaired", "paired"] * 2
    assert [epoch_mode("phase3", k) for k in range(2)] == ["unpaired", "paired"]
    assert epoch_lr("phase2", 7, 300, 2e-4) == 2e-4
    lrs = [epoch_lr("phase3", k, 250, 2e-4) for k in range(250)]
    assert lrs[0] == 2e-4 and lrs[-1] == pytest.approx(2e-4 / 250)
    assert all(b < a for a, b in zip(lrs, lrs[1:]))


def test_three_phases_chain_and_lower_the_pair_loss(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "schedule.phase1": 6, "optim.lr": 1e-3})
    prev, history = None, []
    for phase in ("phase1", "phase2", "phase3"):
        res = run_phase(phase, variant="dense", cfg=cfg, data=train,
                        out=tmp_path / f"{phase}.pt", init=prev, progress=False)  # fmt: skip
        assert res.checkpoint.exists() and not resume_path(res.checkpoint).exists()
        assert {r["phase"] for r in res.history} == {phase}  # each phase records its own epochs
        prev = res.checkpoint
        history += res.history
    state = load_checkpoint(prev)
    assert state["phase"] == "phase3" and state["complete"] and state["epoch"] == 10
    assert [r["epoch"] for r in history] == list(range(1, 11))
    assert [r["mode"] for r in history[6:]] == ["unpaired", "paired"] * 2
    assert history[-1]["lr"] < history[-2]["lr"] == cfg.optim.lr  # phase3 decays
    paired = [r["loss_pair_rgb"] for r in history if r["mode"] == "paired"]
    assert paired[-1] < 0.8 * paired[0], paired
    # unpaired epochs make one pass over the pool: 4 RGB-Online + 6 RGB-Registered
    assert history[6]["images"] == train.unpaired_size == 10
    assert history[0]["images"] == 6


def test_killed_phase_resumes_to_identical_weights(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "schedule.phase2": 4})
    kw = dict(variant="baseline", cfg=cfg, data=train, progress=False)
    run_phase("phase1", out=tmp_path / "p1.pt", **kw)

    full = run_phase("phase2", out=tmp_path / "full.pt", init=tmp_path / "p1.pt", **kw)

    class Killed(Exception):
        pass

    def die_after_two(epoch, record):
        if epoch == 4:  # global epoch 4 = the 2nd epoch of phase 2
            raise Killed

    with pytest.raises(Killed):
        run_phase("phase2", out=tmp_path / "cut.pt", init=tmp_path / "p1.pt",
                  on_epoch_end=die_after_two, **kw)  # fmt: skip
    assert not (tmp_path / "cut.pt").exists()
    assert load_checkpoint(resume_path(tmp_path / "cut.pt"))["epoch"] == 4
    seen = []
    resumed = run_phase("phase2", out=tmp_path / "cut.pt", init=tmp_path / "p1.pt",
                        on_epoch_end=lambda e, r: seen.append(e), **kw)  # fmt: skip
    assert resumed.resumed_from_epoch == 4
    assert seen == [5, 6]  # finished epochs are not redone
    _assert_same_weights(_weights(full.checkpoint), _weights(resumed.checkpoint))
    assert [r["epoch"] for r in resumed.history] == [3, 4, 5, 6]


def test_sparser_resume_points_redo_only_unsaved_epochs(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "schedule.phase1": 5, "train.resume_every": 2})
    full, resumed, saved, seen = full_and_resumed(tmp_path, 3, variant="dense", cfg=cfg, data=train, progress=False)
    assert saved == 2  # epoch 3 was not saved
    assert seen == [3, 4, 5]
    _assert_same_weights(_weights(full.checkpoint), _weights(resumed.checkpoint))


def test_non_finite_loss_stops_with_epoch_and_step(tiny_pack, tmp_path, monkeypatch, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "schedule.phase1": 3})
    calls = {"n": 0}
    real_pair_loss = cyclegan.pair_loss

    def poisoned(a, b):
        calls["n"] += 1
        out = real_pair_loss(a, b)
        # 6 pairs at batch 2 = 3 steps an epoch, one pair_rgb + one pair_nir call a step:
        # call 9 is the first pair term of step 2 in epoch 2
        return out * float("nan") if calls["n"] == 9 else out

    monkeypatch.setattr(cyclegan, "pair_loss", poisoned)
    out = tmp_path / "p1.pt"
    with pytest.raises(NonFiniteLossError, match=r"epoch 2, step 2"):
        run_phase("phase1", variant="dense", cfg=cfg, data=train, out=out, progress=False)
    assert not out.exists()
    assert load_checkpoint(resume_path(out))["epoch"] == 1  # the last good epoch stays


def test_later_phase_needs_a_matching_complete_predecessor(tiny_pack, tmp_path, tiny_cfg, tiny_overrides):
    train, _ = tiny_pack
    kw = dict(cfg=tiny_cfg, data=train, progress=False)
    with pytest.raises(ValueError, match="previous phase"):
        run_phase("phase2", variant="dense", out=tmp_path / "p2.pt", **kw)
    run_phase("phase1", variant="dense", out=tmp_path / "p1.pt", **kw)
    with pytest.raises(CheckpointError, match="variant 'dense', expected 'baseline'"):
        run_phase("phase2", variant="baseline", out=tmp_path / "b2.pt", init=tmp_path / "p1.pt", **kw)
    with pytest.raises(CheckpointError, match="complete phase2"):
        run_phase("phase3", variant="dense", out=tmp_path / "p3.pt", init=tmp_path / "p1.pt", **kw)
    wider = load_config(None, {**tiny_overrides, "model.ngf": 8})
    with pytest.raises(CheckpointError, match="model config differs"):
        run_phase("phase2", variant="dense", cfg=wider, data=train,
                  out=tmp_path / "w2.pt", init=tmp_path / "p1.pt", progress=False)  # fmt: skip


def test_checkpoint_is_self_describing(tiny_pack, tmp_path, tiny_cfg):
    train, _ = tiny_pack
    res = run_phase("phase1", variant="dense", cfg=tiny_cfg, data=train, out=tmp_path / "p1.pt",
                    progress=False)  # fmt: skip
    state = torch.load(res.checkpoint, weights_only=True)  # loads without any pickle code
    for key in ("config", "variant", "phase", "epoch", "models", "optimizers", "rng", "pools", "history"):
        assert key in state
    assert state["config"]["loss"] == {"gan_mode": "vanilla", "lambda_cycle": 100.0, "lambda_pair": 60.0,
                                       "lambda_gan": 1.0, "lambda_ssim": 0.0, "lambda_angle": 0.0, "lambda_edge": 0.0,
                                       "lambda_mse": 0.0, "lambda_mean_colour": 0.0}
    assert state["scale"] == 1.0  # the tiny pack is at the model size
    assert state["pools"]["rgb"]["images"].shape[0] == 4  # pool filled to its size


def test_a_stale_resume_file_from_other_params_is_not_continued(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "schedule.phase1": 3})
    out = tmp_path / "p1.pt"

    def die_at_two(epoch, record):
        if epoch == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        run_phase("phase1", variant="dense", cfg=cfg, data=train, out=out, on_epoch_end=die_at_two,
                  progress=False)  # fmt: skip
    other = load_config(None, {**tiny_overrides, "schedule.phase1": 3, "loss.lambda_pair": 30.0})
    seen = []
    with pytest.warns(UserWarning, match="other parameters"):
        res = run_phase("phase1", variant="dense", cfg=other, data=train, out=out,
                        on_epoch_end=lambda e, r: seen.append(e), progress=False)  # fmt: skip
    assert seen == [1, 2, 3] and res.resumed_from_epoch is None
    fresh = run_phase("phase1", variant="dense", cfg=other, data=train, out=tmp_path / "fresh.pt",
                      progress=False)  # fmt: skip
    _assert_same_weights(_weights(fresh.checkpoint), _weights(res.checkpoint))
