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
