"""The paper's paired NIR/RGB augmentation (contrast+crop, then mirror): seeding, serialization."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import albumentations as A
import cv2
import numpy as np

from nircolor.config import AugmentConfig
from nircolor.fsutil import atomic_writer

__all__ = [
    "AppliedParams",
    "apply_params",
    "augment_pair",
    "augment_pair_with_params",
    "build_augmentation",
    "crop_size",
    "describe_augmentation",
    "epoch_seed",
    "load_augmentation",
    "reseed",
    "save_augmentation",
]

RGB_TARGET = "rgb"


def crop_size(cfg: AugmentConfig, image_size: int) -> int:
    """Side of the random square crop: 200 at 256 (the paper), scaled with the image (25 at 32)."""
    side = round(cfg.crop_fraction * image_size)
    if not 1 <= side <= image_size:
        raise ValueError(
            f"crop_fraction {cfg.crop_fraction} × image_size {image_size} = {side} px"
        )
    return side


def build_augmentation(
    cfg: AugmentConfig, image_size: int, *, seed: int | None = None
) -> A.Compose:
    """The paper's augmentation as an albumentations pipeline: NIR `image`, its `rgb` target.

    With probability `p_contrast_crop`, all together (one `A.Sequential` gate):
      1. contrast, NIR only: α ~ U(contrast_range) and, with m the mean of the whole (uncropped)
         NIR image,  out = uint8(clip(α·x + (1 − α)·m, 0, 255))  — the contrast stretched or
         shrunk about the image mean, so the mean stays put and the std scales by α until
         clipping; the cast truncates, as torchvision's `adjust_contrast` does. This is
         `A.ColorJitter` with only its contrast free (brightness/saturation factor 1, hue 0 are
         exact no-ops on one channel). `A.RandomBrightnessContrast` was not used: in 2.0.8 its
         "contrast" is a plain gain x·α (its docstring's mean-centred formula is not what the
         code does), which also moves the mean.
      2. the same random `crop × crop` window on NIR and RGB (crop = `crop_size(cfg, image_size)`);
      3. both resized back to `image_size` bicubically. The RGB rides as a mask-type target so
         it gets every geometric transform and no pixel-level one; the Resize's
         `mask_interpolation` is INTER_CUBIC (masks default to nearest) and Compose leaves it be
         because its own `mask_interpolation` is None. Resampling happens in uint8, where cv2
         saturates bicubic overshoot instead of wrapping.
    Otherwise none of them. Then, independently, a horizontal mirror of both with `p_flip`.

    Inputs must be `image_size` square: the crop-free branch keeps the input's size.
    Draws come from one stream shared by every transform (see `reseed`); with `seed=None` the
    stream is seeded from OS entropy. Applied parameters are recorded on each call
    (`augment_pair_with_params`).
    """
    side = crop_size(cfg, image_size)
    aug = A.Compose(
        [
            A.Sequential(
                [
                    A.ColorJitter(
                        brightness=(1.0, 1.0),
                        contrast=tuple(cfg.contrast_range),
                        saturation=(1.0, 1.0),
                        hue=(0.0, 0.0),
                        p=1.0,
                    ),
                    A.RandomCrop(height=side, width=side, p=1.0),
                    A.Resize(
                        image_size,
                        image_size,
                        interpolation=cv2.INTER_CUBIC,
                        mask_interpolation=cv2.INTER_CUBIC,
                        p=1.0,
                    ),
                ],
                p=cfg.p_contrast_crop,
            ),
            A.HorizontalFlip(p=cfg.p_flip),
        ],
        additional_targets={RGB_TARGET: "mask"},
        save_applied_params=True,
    )
    reseed(aug, seed)
    return aug


def reseed(aug: A.Compose, seed: int | None) -> A.Compose:
    """Restart the pipeline's draws from `seed`: the same seed gives the same sequence of samples.

    `Compose.set_random_seed` alone is not enough: it hands every child transform its *own*
    generator seeded with the same integer, so the Sequential's gate and the flip's gate read
    identical numbers (every flipped sample would also be cropped) and the crop position tracks
    α. One numpy Generator and one `random.Random`, shared by all transforms, keep the draws
    independent. albumentations draws only from these, never from the global `np.random` or
    `random`, so a trainer that reseeds per epoch (`epoch_seed`) resumes bit-exactly. Copies in
    DataLoader workers share the state they were forked with: reseed each worker.
    """
    aug.set_random_seed(seed)  # records aug.seed for the reader
    aug.set_random_state(np.random.default_rng(seed), random.Random(seed))
    return aug


def epoch_seed(run_seed: int, epoch: int) -> int:
    """A well-mixed per-epoch seed, so epoch e+1 is not epoch e shifted by one draw."""
    return int(np.random.SeedSequence([run_seed, epoch]).generate_state(1)[0])


@dataclass(frozen=True)
class AppliedParams:
    """What one call drew: crop (x0, y0, x1, y1) half-open, contrast α, mirror; None: not drawn."""

    crop_box: tuple[int, int, int, int] | None
    alpha: float | None
    flip: bool


def _as_pair(nir: np.ndarray, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if nir.ndim == 3 and nir.shape[2] == 1:
        nir = nir[:, :, 0]
    if nir.ndim != 2 or nir.dtype != np.uint8:
        raise ValueError(f"nir must be uint8 (H, W) or (H, W, 1), got {nir.dtype} {nir.shape}")
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be uint8 (H, W, 3), got {rgb.dtype} {rgb.shape}")
    if nir.shape != rgb.shape[:2]:
        raise ValueError(f"nir {nir.shape} and rgb {rgb.shape[:2]} differ in size")
    return np.ascontiguousarray(nir), np.ascontiguousarray(rgb)


def _parse_applied(applied: list[tuple[str, dict[str, Any]]]) -> AppliedParams:
    by_name = dict(applied)
    crop = by_name.get("RandomCrop")
    jitter = by_name.get("ColorJitter")
    return AppliedParams(
        crop_box=tuple(int(v) for v in crop["crop_coords"]) if crop else None,
        alpha=float(jitter["contrast"]) if jitter else None,
        flip="HorizontalFlip" in by_name,
    )


def augment_pair_with_params(
    aug: A.Compose, nir: np.ndarray, rgb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, AppliedParams]:
    """One augmented sample and what was drawn for it: (uint8 (H, W), uint8 (H, W, 3), params)."""
    nir, rgb = _as_pair(nir, rgb)
    aug.save_applied_params = True  # not serialized; a pipeline from elsewhere may lack it
    out = aug(image=nir, **{RGB_TARGET: rgb})
    # An untouched sample comes back as the caller's own array (or a view of it); copy so that
    # editing the output can never edit the dataset.
    nir_out, rgb_out = (
        np.array(o, copy=True) if np.shares_memory(o, i) else np.ascontiguousarray(o)
        for o, i in ((out["image"], nir), (out[RGB_TARGET], rgb))
    )
    return nir_out, rgb_out, _parse_applied(out["applied_transforms"])


def augment_pair(aug: A.Compose, nir: np.ndarray, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One augmented sample: NIR uint8 (H, W), RGB uint8 (H, W, 3)."""
    nir_out, rgb_out, _ = augment_pair_with_params(aug, nir, rgb)
    return nir_out, rgb_out


def _contrast(nir: np.ndarray, alpha: float) -> np.ndarray:
    # Mirrors albumentations 2.0.8 (adjust_contrast_torchvision → albucore.multiply_add_lut)
    # operation for operation — float64 mean, float32 LUT, clip, truncating cast — so a drawn
    # α reproduces its output bit-exactly.
    if alpha == 1.0:
        return nir
    mean = nir.mean()
    lut = np.arange(256, dtype=np.float32) * alpha + float(mean * (1.0 - alpha))
    return np.clip(lut, 0, 255).astype(np.uint8)[nir]


def apply_params(
    nir: np.ndarray,
    rgb: np.ndarray,
    *,
    crop_box: tuple[int, int, int, int] | None,
    alpha: float | None,
    flip: bool,
    out_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply given parameters with the pipeline's exact math; the reference for other backends.

    Order: contrast α on the NIR (mean over the whole input), crop `crop_box` = (x0, y0, x1, y1)
    half-open on both, bicubic uint8 resize of both to `out_size`, then the mirror. With
    `crop_box=None` the size is left as it is. Matches `build_augmentation`'s output bit-exactly
    for the parameters it drew (see `augment_pair_with_params`).
    """
    nir, rgb = _as_pair(nir, rgb)
    if alpha is not None:
        nir = _contrast(nir, alpha)
    if crop_box is not None:
        x0, y0, x1, y1 = crop_box
        size = (out_size, out_size)
        nir = cv2.resize(nir[y0:y1, x0:x1], size, interpolation=cv2.INTER_CUBIC)
        rgb = cv2.resize(rgb[y0:y1, x0:x1], size, interpolation=cv2.INTER_CUBIC)
    if flip:
        nir, rgb = nir[:, ::-1], rgb[:, ::-1]
    return np.ascontiguousarray(nir), np.ascontiguousarray(rgb)


def describe_augmentation(aug: A.Compose) -> dict[str, Any]:
    """albumentations' own serialized form, as plain JSON types, for run records."""
    return json.loads(json.dumps(A.to_dict(aug)))


def save_augmentation(aug: A.Compose, path: str | Path) -> Path:
    """Write `A.save`'s JSON atomically: a reader never sees a half-written file."""
    path = Path(path)
    with atomic_writer(path, "w") as f:
        A.save(aug, f, data_format="json")
    return path


def load_augmentation(path: str | Path, *, seed: int | None = None) -> A.Compose:
    """Read a pipeline saved by `save_augmentation` (or `A.save` as JSON) and seed it.

    The JSON holds the transforms but neither seed nor parameter recording, so both are
    restored here; the shared-stream seeding of `reseed` applies.
    """
    aug = A.load(Path(path), data_format="json")
    if not isinstance(aug, A.Compose):
        raise TypeError(f"{path}: expected a serialized A.Compose, got {type(aug).__name__}")
    aug.save_applied_params = True
    return reseed(aug, seed)
