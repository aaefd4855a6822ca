"""`train.init_seed`: the seed of the networks' initial weights alone, apart from `train.seed`
(which also draws every epoch's data order, augmentation and pools)."""

from __future__ import annotations

import torch

from nircolor.config import load_config
from nircolor.training import phase as phase_module
from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.phase import run_phase


def _run(tmp_path, name, overrides, tiny_pack, monkeypatch):
    """Phase 1 for one epoch; returns (the generator's initial weights, the epoch's record, the
    checkpoint's weights)."""
    built = {}
    original = phase_module.CycleGAN.build

    def build(*args, **kwargs):
        net = original(*args, **kwargs)
        built["g"] = {k: v.detach().clone() for k, v in net.g_nir2rgb.state_dict().items()}
        return net

    monkeypatch.setattr(phase_module.CycleGAN, "build", build)
    cfg = load_config(None, {**overrides, "schedule.phase1": 1})
    res = run_phase("phase1", variant="dense", cfg=cfg, data=tiny_pack[0], out=tmp_path / f"{name}.pt",
                    progress=False)  # fmt: skip
    return built["g"], res.history[0], load_checkpoint(res.checkpoint)["models"]


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_init_seed_unset_is_the_train_seed_bit_for_bit(tiny_pack, tmp_path, tiny_overrides, monkeypatch):
    g0, r0, w0 = _run(tmp_path, "unset", {**tiny_overrides, "train.seed": 3}, tiny_pack, monkeypatch)
    g1, r1, w1 = _run(tmp_path, "set", {**tiny_overrides, "train.seed": 3, "train.init_seed": 3}, tiny_pack,
                      monkeypatch)  # fmt: skip
    assert _same(g0, g1) and r0["loss_pair_rgb"] == r1["loss_pair_rgb"]
    for net in w0:
        assert _same(w0[net], w1[net]), net


def test_init_seed_moves_the_initial_weights_and_train_seed_the_data(tiny_pack, tmp_path, tiny_overrides,
                                                                     monkeypatch):  # fmt: skip
    base, r_base, _ = _run(tmp_path, "a", {**tiny_overrides, "train.seed": 0}, tiny_pack, monkeypatch)
    # another init seed: other initial weights
    other_init, _, _ = _run(tmp_path, "b", {**tiny_overrides, "train.seed": 0, "train.init_seed": 1}, tiny_pack,
                            monkeypatch)  # fmt: skip
    assert not _same(base, other_init)
    # another data seed with the init seed held: the same initial weights, other batches (so other losses)
    other_data, r_data, _ = _run(tmp_path, "c", {**tiny_overrides, "train.seed": 1, "train.init_seed": 0},
                                 tiny_pack, monkeypatch)  # fmt: skip
    assert _same(base, other_data)
    assert r_data["loss_pair_rgb"] != r_base["loss_pair_rgb"]
    # and the plain seed 1 starts from seed 1's weights, which init_seed 1 also gives
    plain1, _, _ = _run(tmp_path, "d", {**tiny_overrides, "train.seed": 1}, tiny_pack, monkeypatch)
    assert _same(plain1, other_init)
