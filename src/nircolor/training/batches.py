"""The training set in batches: resizing to the model's scale, each epoch's order and crops, host and device augmentation."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor

from nircolor import augment_torch
from nircolor.augment import augment_pair, crop_size
from nircolor.config import AugmentConfig, Mode, ModelConfig
from nircolor.data.packed import PairArrays, TrainArrays, resize_stack


def training_arrays(data: TrainArrays, model: ModelConfig) -> TrainArrays:
    """The training set at the model's scale, with `scale` updated to match: for `native_crops`,
    as packed (crops are cut per step) or resized ×crop_scale (bicubic); otherwise resized in
    memory to image_size (area averaging down, as ingest would)."""
    side = data.paired.nir.shape[1]
    size = side * model.crop_scale if model.native_crops else model.image_size
    if model.native_crops and size < model.image_size:
        raise ValueError(
            f"training images are {side}px (×{model.crop_scale} = {size}px), smaller than the "
            f"{model.image_size}px crops model.native_crops asks for; lower model.image_size"
        )
    if side == size:
        return data
    paired = PairArrays(resize_stack(data.paired.nir, size), resize_stack(data.paired.rgb, size), data.paired.stems)
    online = resize_stack(data.online_rgb, size) if len(data.online_rgb) else np.zeros((0, size, size, 3), np.uint8)
    return TrainArrays(paired, online, data.unpaired_source, data.scale * size / side)


def native_crop(model: ModelConfig) -> int | None:
    """The side of the random window each step cuts from a native-size image, or None (`native_crops` off)."""
    return model.image_size if model.native_crops else None


def to_tensor(batch: np.ndarray) -> Tensor:
    """uint8 (B, H, W) or (B, H, W, C) → float (B, C, H, W) in [-1, 1]."""
    return augment_torch.to_unit(torch.from_numpy(np.ascontiguousarray(batch)))


def epoch_order(data: TrainArrays, mode: Mode, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(nir_order, rgb_order) of one epoch: pair indices and (unpaired) RGB pool indices."""
    n = len(data.paired)
    if mode == "paired":
        return (order := rng.permutation(n)), order
    rgb_order = rng.permutation(data.unpaired_size)
    # an independent permutation of the NIR set, cycled to the pool's length
    reps = math.ceil(len(rgb_order) / n)
    nir_order = np.concatenate([rng.permutation(n) for _ in range(reps)])[: len(rgb_order)]
    return nir_order, rgb_order


def crop_offsets(rng: np.random.Generator, n: int, side: int, size: int) -> np.ndarray:
    """(n, 2) top-left corners of random size×size windows in side×side images (native crops)."""
    return rng.integers(0, side - size + 1, size=(n, 2))


def iterate_batches(
    data: TrainArrays, mode: Mode, batch_size: int, aug, rng: np.random.Generator,
    crop: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:  # fmt: skip
    """Yield augmented uint8 batches (nir, rgb, rgb_registered) for one epoch.

    `crop`: first cut a random crop×crop window out of each (native-size) image; a pair shares
    its window, an unpaired RGB image gets its own."""
    nir_order, rgb_order = epoch_order(data, mode, rng)
    if crop is not None:
        side = data.paired.nir.shape[1]
        pair_at = crop_offsets(rng, len(rgb_order), side, crop)
        rgb_at = crop_offsets(rng, len(rgb_order), side, crop)

    def window(img: np.ndarray, at) -> np.ndarray:
        return img if crop is None else img[at[0] : at[0] + crop, at[1] : at[1] + crop]

    for start in range(0, len(rgb_order), batch_size):
        nirs, rgbs, regs = [], [], []
        for n, (i, j) in enumerate(
            zip(nir_order[start : start + batch_size], rgb_order[start : start + batch_size]), start
        ):
            at = None if crop is None else pair_at[n]
            nir_aug, reg_aug = augment_pair(aug, window(data.paired.nir[i], at), window(data.paired.rgb[i], at))
            if mode == "paired":
                rgb_aug = reg_aug
            else:
                # geometry only: the contrast change is for NIR inputs, so feed a blank image
                rgb_img = window(data.unpaired_rgb(int(j)), None if crop is None else rgb_at[n])
                _, rgb_aug = augment_pair(aug, np.zeros(rgb_img.shape[:2], np.uint8), rgb_img)
            nirs.append(nir_aug)
            rgbs.append(rgb_aug)
            regs.append(reg_aug)
        yield np.stack(nirs), np.stack(rgbs), np.stack(regs)


class DeviceData:
    """The training set as uint8 tensors on the training device, augmented there in batches.

    `train.data_on_device`: no per-step host work or copies. The epoch's order comes from the same
    numpy draws as the host path; the augmentation draws (`augment_torch`, same distribution
    as the albumentations pipeline) are made for the whole epoch before its first step.
    At 256×256 the challenge's 372 pairs and 1,392-image pool take about 370 MB.
    """

    def __init__(self, data: TrainArrays, augment: AugmentConfig, model: ModelConfig, device: torch.device) -> None:
        def put(a: np.ndarray) -> Tensor:
            return torch.from_numpy(np.array(a)).to(device)  # a copy: packs are read-only maps

        self.data = data
        self.cfg = augment
        self.size = model.image_size
        self.crop = native_crop(model)
        self.side = crop_size(augment, self.size)
        self.device = device
        self.nir, self.rgb = put(data.paired.nir), put(data.paired.rgb)
        self.pool = torch.cat([put(data.online_rgb), self.rgb]) if len(data.online_rgb) else self.rgb

    def batches(
        self, mode: Mode, batch_size: int, rng: np.random.Generator, seed: int
    ) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
        nir_order, rgb_order = epoch_order(self.data, mode, rng)
        gen = torch.Generator().manual_seed(seed)
        n = len(rgb_order)
        if self.crop is not None:  # the same draws, in the same order, as iterate_batches
            side = self.nir.shape[1]
            pair_at = crop_offsets(rng, n, side, self.crop)
            rgb_at = crop_offsets(rng, n, side, self.crop)

        def window(images: Tensor, at: np.ndarray | None) -> Tensor:
            if at is None:
                return images
            c = self.crop
            return torch.stack([im[t : t + c, l : l + c] for im, (t, l) in zip(images, at)])

        pair_draws = augment_torch.draw(gen, n, self.cfg, self.size, self.side).to(self.device)
        if mode == "unpaired":
            rgb_draws = augment_torch.draw(gen, n, self.cfg, self.size, self.side).to(self.device)
        nir_idx = torch.from_numpy(nir_order).to(self.device)
        rgb_idx = torch.from_numpy(rgb_order).to(self.device)
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            p_at = None if self.crop is None else pair_at[sl]
            nir, reg = augment_torch.apply(
                window(self.nir[nir_idx[sl]], p_at), window(self.rgb[nir_idx[sl]], p_at),
                pair_draws.take(sl), self.side,
            )  # fmt: skip
            if mode == "paired":
                rgb = reg
            else:
                r_at = None if self.crop is None else rgb_at[sl]
                rgb = augment_torch.apply_rgb(window(self.pool[rgb_idx[sl]], r_at), rgb_draws.take(sl), self.side)
            yield nir, rgb, reg
