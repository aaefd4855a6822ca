"""Reference colorizers that need no training (Table I's floors): NIR as gray, and a per-intensity lookup."""

from __future__ import annotations

import numpy as np

REFERENCES = ("gray", "lookup")


def fit_lookup(nir: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Mean RGB for each of the 256 NIR intensities over training pairs (N, H, W) / (N, H, W, 3).

    Intensities that never occur in training are filled by linear interpolation between the
    nearest ones that do (constant beyond the ends), so the table never needs a pixel from
    anywhere else — in particular none from the validation pairs. Returns float32 (256, 3) in
    0..255."""
    flat = np.asarray(nir, dtype=np.uint8).reshape(-1).astype(np.int64)
    colors = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    if len(flat) != len(colors):
        raise ValueError(f"NIR has {len(flat)} pixels but RGB has {len(colors)}")
    counts = np.bincount(flat, minlength=256)
    seen = np.flatnonzero(counts)
    table = np.zeros((256, 3), np.float64)
    if len(seen) == 0:
        raise ValueError("no training pixels to fit the lookup on")
    for c in range(3):
        sums = np.bincount(flat, weights=colors[:, c], minlength=256)
        table[:, c] = np.interp(np.arange(256), seen, sums[seen] / counts[seen])
    return table.astype(np.float32)


def apply_lookup(table: np.ndarray, nir: np.ndarray) -> np.ndarray:
    """uint8 NIR (..., H, W) → uint8 RGB (..., H, W, 3) through a fitted lookup table."""
    return np.clip(np.rint(np.asarray(table)[np.asarray(nir, dtype=np.uint8)]), 0, 255).astype(np.uint8)


def gray(nir: np.ndarray) -> np.ndarray:
    """uint8 NIR (..., H, W) copied into R, G and B."""
    nir = np.asarray(nir, dtype=np.uint8)
    return np.repeat(nir[..., None], 3, axis=-1)


def reference_outputs(name: str, nir: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """The named reference's colorization of a uint8 NIR stack."""
    if name == "gray":
        return gray(nir)
    if name == "lookup":
        return apply_lookup(lookup, nir)
    raise ValueError(f"unknown reference {name!r}; choose from {list(REFERENCES)}")
