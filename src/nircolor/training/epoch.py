"""One training epoch: the paper's schedule (mode and learning rate per epoch) and the loop over its batches.

Schedule (paper §3): phase1 = paired epochs only (1–250); phase2 = paired and unpaired epochs
alternating (250–550), starting with an unpaired one; phase3 = alternating with the learning
rate decayed linearly to zero (550–800). Epochs are counted globally across phases.

A paired epoch visits every registered pair once. An unpaired epoch makes one pass over the
unpaired RGB pool; each RGB image is matched with a NIR image drawn by an independent
permutation, whose registered RGB supplies the pair term for g_nir2rgb only (Eq. 5).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from torch import Tensor

from nircolor import augment_torch
from nircolor.augment import epoch_seed, reseed
from nircolor.config import Config, Mode, Phase
from nircolor.data.packed import TrainArrays
from nircolor.training.batches import DeviceData, iterate_batches, native_crop
from nircolor.training.cyclegan import LOSS_NAMES, CycleGAN

EXPOSURE_STREAM = 0xE1  # mixed with the epoch's seed for the exposure gains' own generator
CUTMIX_STREAM = 0xC7  # and for CutMix's boxes


class NonFiniteLossError(RuntimeError):
    """A loss became NaN/Inf; the phase stops and its last good checkpoint stays."""


def epoch_mode(phase: Phase, index_in_phase: int) -> Mode:
    """Phase 1 is paired only; phases 2–3 alternate, starting with an unpaired epoch."""
    if phase == "phase1":
        return "paired"
    return "unpaired" if index_in_phase % 2 == 0 else "paired"


def epoch_lr(phase: Phase, index_in_phase: int, n_epochs: int, base_lr: float) -> float:
    """Constant in phases 1–2; phase 3 decays linearly from base_lr towards zero."""
    if phase != "phase3":
        return base_lr
    return base_lr * (1.0 - index_in_phase / max(n_epochs, 1))


def train_epoch(
    net: CycleGAN, *, data: TrainArrays, cfg: Config, aug, phase: Phase, index: int, n_epochs: int,
    epoch: int, device_data: DeviceData | None = None, bar=None,
) -> dict[str, Any]:  # fmt: skip
    """Train one epoch: the `index`-th (0-based) of the phase's `n_epochs`, global epoch `epoch` (1-based).

    The epoch's mode and learning rate come from the schedule, its random draws (order, host
    augmentation `aug`, device augmentation, pool choices) from (train.seed, epoch) alone. Batches
    come from `device_data` where given (`train.data_on_device`), else from `data` through `aug`.
    Returns the epoch's record: mean losses, mode, lr, steps, images and timing. Raises
    NonFiniteLossError naming the first step whose losses are not finite.
    """
    device = net.device
    seed = epoch_seed(cfg.train.seed, epoch)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    reseed(aug, seed)
    pool_gen = torch.Generator().manual_seed(seed)
    # its own stream, so that with the gain off every other draw is the paper's recipe's
    exposure_gen = (
        torch.Generator().manual_seed(epoch_seed(seed, EXPOSURE_STREAM))
        if augment_torch.exposure_on(cfg.augment) else None
    )  # fmt: skip
    cutmix_gen = (
        torch.Generator().manual_seed(epoch_seed(seed, CUTMIX_STREAM))
        if augment_torch.cutmix_on(cfg.augment) else None
    )  # fmt: skip
    mode = epoch_mode(phase, index)
    lr = epoch_lr(phase, index, n_epochs, cfg.optim.lr)
    net.set_lr(lr)
    for m in (net.g_nir2rgb, net.g_rgb2nir, net.d_rgb, net.d_nir):
        m.train()
    if device_data is not None:
        batches = device_data.batches(mode, cfg.train.batch_size, rng, seed)
    else:
        batches = (
            tuple(torch.from_numpy(a) for a in b)
            for b in iterate_batches(data, mode, cfg.train.batch_size, aug, rng, native_crop(cfg.model))
        )
    par = net.parallel
    rows: list[Tensor] = []  # per-step losses, kept on the device: no sync inside the epoch
    images = 0
    t0 = time.perf_counter()
    for step, (nir, rgb, reg) in enumerate(batches):
        n_global = len(nir)
        if exposure_gen is not None:  # one gain per pair, on its NIR and registered RGB alike
            k = augment_torch.draw_exposure(exposure_gen, n_global, cfg.augment)
            nir, reg = augment_torch.expose(nir, k), augment_torch.expose(reg, k)
            if mode == "paired":
                rgb = reg
        if cutmix_gen is not None:  # one box per pair, on its NIR and registered RGB alike
            boxes = augment_torch.draw_cutmix(cutmix_gen, n_global, nir.shape[1], nir.shape[2], cfg.augment)
            nir, reg = augment_torch.cutmix(nir, boxes), augment_torch.cutmix(reg, boxes)
            if mode == "paired":
                rgb = reg
        weight = 1.0
        if par is not None:  # this rank's slice of the global batch
            sl = par.chunk(n_global)
            nir, rgb, reg = nir[sl], rgb[sl], reg[sl]
            weight = len(nir) / n_global
        if len(nir):
            batch = [
                augment_torch.to_unit(x.to(device, non_blocking=True), net.memory_format)
                for x in (nir, rgb, reg)
            ]
            losses = net.train_step(*batch, mode, pool_gen, weight)
            rows.append(torch.stack([losses[name] for name in LOSS_NAMES]) * weight)
        else:
            net.idle_step()
            rows.append(torch.zeros(len(LOSS_NAMES), device=device))
        images += n_global
        if bar is not None and step % 10 == 0:
            bar.set_postfix_str(f"{mode} step {step + 1}", refresh=False)
    table = torch.stack(rows) if rows else torch.zeros(0, len(LOSS_NAMES), device=device)
    if par is not None:
        par.sum_(table)
    table = table.double().cpu()  # the epoch's one host sync
    seconds = time.perf_counter() - t0
    finite = torch.isfinite(table)
    if not bool(finite.all()):
        step = int((~finite.all(dim=1)).nonzero()[0])
        values = dict(zip(LOSS_NAMES, table[step].tolist()))
        bad = [name for name, v in values.items() if not math.isfinite(v)]
        raise NonFiniteLossError(
            f"non-finite {', '.join(f'{b}={values[b]}' for b in bad)} at epoch {epoch}, "
            f"step {step + 1} ({phase}, {mode}); the last good checkpoint is kept"
        )
    if bar is not None:
        bar.update(1)
    steps = len(table)
    means = (table.sum(dim=0) / max(steps, 1)).tolist()
    record: dict[str, Any] = dict(zip(LOSS_NAMES, means))
    record.update(
        epoch=epoch, phase=phase, mode=mode, lr=lr, steps=steps, images=images,
        seconds=seconds, images_per_s=images / seconds if seconds > 0 else float("nan"),
    )  # fmt: skip
    return record
