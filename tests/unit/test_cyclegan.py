"""The CycleGAN step: discriminators frozen for the generator update only, one epoch through the public train_epoch."""

from __future__ import annotations

import numpy as np
import torch

from nircolor.augment import build_augmentation
from nircolor.config import load_config
from nircolor.training.cyclegan import LOSS_NAMES, CycleGAN
from nircolor.training.epoch import train_epoch


def _net(**over) -> CycleGAN:
    cfg = load_config(None, {"model.image_size": 32, "model.ngf": 4, "model.ndf": 4, "train.pool_size": 0, **over})
    torch.manual_seed(0)
    return CycleGAN.build("dense", cfg, torch.device("cpu"))


def test_discriminators_are_frozen_for_the_generator_loss_and_trained_after():
    net = _net()
    seen: dict[str, list[bool]] = {"d_rgb": [], "d_nir": []}
    for name, calls in seen.items():
        getattr(net, name).register_forward_hook(lambda m, i, o, calls=calls: calls.append(next(m.parameters()).requires_grad))
    d_before = [p.detach().clone() for p in net.d_rgb.parameters()]
    g = torch.Generator().manual_seed(1)
    nir, rgb = torch.rand(2, 1, 32, 32, generator=g) * 2 - 1, torch.rand(2, 3, 32, 32, generator=g) * 2 - 1
    losses = net.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
    # each D judges a fake for the generator loss (frozen), then real and pooled fake (trainable)
    assert seen == {"d_rgb": [False, True, True], "d_nir": [False, True, True]}
    assert all(p.requires_grad for d in (net.d_rgb, net.d_nir) for p in d.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(d_before, net.d_rgb.parameters()))  # D was updated
    assert list(losses) == list(LOSS_NAMES) and all(torch.isfinite(v) for v in losses.values())


def test_train_epoch_takes_keywords_and_reports_the_epoch(tiny_pack, tiny_cfg):
    train, _ = tiny_pack
    torch.manual_seed(0)
    net = CycleGAN.build("dense", tiny_cfg, torch.device("cpu"))
    aug = build_augmentation(tiny_cfg.augment, tiny_cfg.model.image_size)
    rec = train_epoch(net, data=train, cfg=tiny_cfg, aug=aug, phase="phase2", index=0, n_epochs=2, epoch=3)
    assert (rec["epoch"], rec["phase"], rec["mode"], rec["lr"]) == (3, "phase2", "unpaired", tiny_cfg.optim.lr)
    assert rec["images"] == train.unpaired_size and rec["steps"] == int(np.ceil(train.unpaired_size / 2))
    assert all(np.isfinite(rec[name]) for name in LOSS_NAMES)


def _batches_seen(net: CycleGAN, train, cfg, phase: str, index: int) -> list[tuple[torch.Tensor, ...]]:
    """Run one epoch and return what each train_step was given (nir, rgb, reg), in [-1, 1]."""
    seen: list[tuple[torch.Tensor, ...]] = []
    real_step = net.train_step

    def spy(nir, rgb, reg, mode, gen, weight=1.0):
        seen.append((nir.clone(), rgb.clone(), reg.clone(), mode))
        return real_step(nir, rgb, reg, mode, gen, weight)

    net.train_step = spy
    aug = build_augmentation(cfg.augment, cfg.model.image_size)
    train_epoch(net, data=train, cfg=cfg, aug=aug, phase=phase, index=index, n_epochs=2, epoch=3)
    return seen


def _bytes(t: torch.Tensor) -> torch.Tensor:
    return ((t + 1) * 127.5).round()


def _off_and_on(train, cfg, phase: str, index: int, **augment) -> tuple[list, list]:
    """What each step of one epoch was given with `cfg` and with `cfg` plus the `augment` settings, same seeds."""
    on_cfg = cfg.model_copy(update={"augment": cfg.augment.model_copy(update=augment)})
    seen = []
    for c in (cfg, on_cfg):
        torch.manual_seed(0)
        seen.append(_batches_seen(CycleGAN.build("dense", c, torch.device("cpu")), train, c, phase, index))
    assert len(seen[0]) == len(seen[1])
    return seen[0], seen[1]


def test_exposure_gain_scales_each_pairs_nir_and_rgb_by_one_factor(tiny_pack, tiny_cfg):
    from nircolor.config import load_config

    train, _ = tiny_pack
    for phase, index in (("phase1", 0), ("phase2", 0)):  # a paired and an unpaired epoch
        off, on = _off_and_on(train, tiny_cfg, phase, index, exposure_range=(0.8, 1.25))
        for (n0, r0, g0, mode), (n1, r1, g1, _) in zip(off, on):
            for i in range(len(n0)):
                # the gain k from the brightest unsaturated NIR pixel, then checked on every pixel of both
                x, y = _bytes(n0[i]), _bytes(n1[i])
                pick = (x > 40) & (y < 255)
                k = float((y[pick] / x[pick]).median())
                assert 0.8 - 0.02 <= k <= 1.25 + 0.02
                for before, after in ((n0[i], n1[i]), (g0[i], g1[i])):
                    expect = (_bytes(before) * k).round().clamp(0, 255)
                    assert (expect - _bytes(after)).abs().max() <= 2  # k read back to ±0.5 %
                if mode == "paired":
                    assert torch.equal(r1[i], g1[i])
                else:  # unpaired RGB (the discriminators' real images) is not touched
                    assert torch.equal(r0[i], r1[i])
            assert not torch.equal(n0, n1)
    # the gains differ between pairs: an epoch-wide constant is not what is drawn
    k_all = [float((_bytes(b[0][i]) / _bytes(a[0][i]).clamp(min=1)).median()) for a, b in zip(off, on) for i in range(len(a[0]))]
    assert max(k_all) - min(k_all) > 0.05
    assert load_config(None, {}).augment.exposure_range == (1.0, 1.0)


def test_exposure_gain_off_leaves_the_batches_bit_for_bit(tiny_pack, tiny_cfg):
    train, _ = tiny_pack
    a, b = _off_and_on(train, tiny_cfg, "phase2", 1, exposure_range=(1.0, 1.0))
    assert all(torch.equal(x, y) for s, t in zip(a, b) for x, y in zip(s[:3], t[:3]))


def test_cutmix_pastes_one_square_of_the_previous_pair_into_each_pairs_nir_and_rgb(tiny_pack, tiny_cfg):
    train, _ = tiny_pack
    assert tiny_cfg.train.batch_size >= 2 and load_config(None, {}).augment.p_cutmix == 0.0
    for phase, index in (("phase1", 0), ("phase2", 0)):  # a paired and an unpaired epoch
        off, on = _off_and_on(train, tiny_cfg, phase, index, p_cutmix=1.0)
        changed = 0
        for (n0, r0, g0, mode), (n1, r1, g1, _) in zip(off, on):
            if len(n0) < 2:
                assert torch.equal(n0, n1) and torch.equal(g0, g1)
                continue
            for i in range(len(n0)):
                # the pixels that changed (in NIR or RGB) lie in one square and hold the previous pair's there
                moved = (n1[i] != n0[i]).any(dim=0) | (g1[i] != g0[i]).any(dim=0)
                for before, after in ((n0, n1), (g0, g1)):
                    src = before.roll(1, dims=0)[i]
                    assert torch.equal(after[i][:, moved], src[:, moved])
                    assert torch.equal(after[i][:, ~moved], before[i][:, ~moved])
                if moved.any():
                    changed += 1
                    rows, cols = moved.nonzero().T
                    h, w = int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1
                    assert abs(h - w) <= 1 and h * w >= 0.15 * moved.numel() * 0.5
                if mode == "paired":
                    assert torch.equal(r1[i], g1[i])
                else:  # unpaired RGB is not touched
                    assert torch.equal(r0[i], r1[i])
        assert changed > 0


def test_cutmix_off_leaves_the_batches_bit_for_bit(tiny_pack, tiny_cfg):
    train, _ = tiny_pack
    a, b = _off_and_on(train, tiny_cfg, "phase2", 1, p_cutmix=0.0)
    assert all(torch.equal(x, y) for s, t in zip(a, b) for x, y in zip(s[:3], t[:3]))
