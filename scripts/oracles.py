"""How far the quality targets are from what intensity-to-colour mappings can give, on the real data.

Scores, on the 18 validation pairs at 256 px with the project's metrics, the floors (gray, the
256-entry lookup fit on the training pairs) and oracles that peek at each validation image's own
RGB: the lookup with each image's true mean colour, a per-channel affine fit of the lookup or the
NIR to the image, and a lookup table fit on the validation image itself (the best any pure
NIR-intensity → colour map could do for that image). One more row is no oracle: the lookup fit with
each intensity's median colour instead of its mean, the value an L1 objective pulls an uncertain
pixel to, against the mean that squared error (and so PSNR) rewards. Output: docs/results/oracles.md.

  python scripts/oracles.py ../shared/data/vcip2020
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.metrics import evaluate_batch
from nircolor.references import apply_lookup, fit_lookup


def affine_per_channel(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares a·src + b per channel of one image (src (H, W) or (H, W, 3), dst (H, W, 3))."""
    out = np.empty(dst.shape, np.float64)
    for c in range(3):
        s = src if src.ndim == 2 else src[..., c]
        a, b = np.polyfit(s.ravel().astype(np.float64), dst[..., c].ravel().astype(np.float64), 1)
        out[..., c] = a * s + b
    return out


def fit_median_lookup(nir: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Median RGB per NIR intensity (256, 3) over training pairs, by one sort per channel; the
    median of an even count is the mean of its two middle values. Unseen intensities interpolate
    as in `fit_lookup`."""
    flat = np.asarray(nir, dtype=np.uint8).reshape(-1).astype(np.int64)
    colors = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    counts = np.bincount(flat, minlength=256)
    seen = np.flatnonzero(counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[seen]
    lo, hi = starts + (counts[seen] - 1) // 2, starts + counts[seen] // 2
    table = np.zeros((256, 3), np.float64)
    for c in range(3):
        ordered = colors[np.lexsort((colors[:, c], flat)), c]  # by intensity, then by value
        table[:, c] = np.interp(np.arange(256), seen, 0.5 * (ordered[lo] + ordered[hi]))
    return table


def main() -> None:
    index = validate_dataset(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/vcip2020"), decode=False)
    tn, tr = load_pairs(index.pairs)
    vn, vr = load_pairs(index.validation)
    table = fit_lookup(tn, tr)
    lut = apply_lookup(table, vn).astype(np.float64)
    rows = {
        "gray (floor)": np.repeat(vn[..., None], 3, axis=-1).astype(np.float64),
        "lookup (floor)": lut,
        "lookup fit with the median colour per intensity (not an oracle)": apply_lookup(
            fit_median_lookup(tn, tr), vn).astype(np.float64),
        "oracle: lookup + the image's true mean colour": lut - lut.mean((1, 2), keepdims=True)
        + vr.mean((1, 2), keepdims=True),
        "oracle: lookup, affine per channel fit to the image": np.stack(
            [affine_per_channel(lut[i], vr[i]) for i in range(len(vn))]),
        "oracle: NIR, affine per channel fit to the image": np.stack(
            [affine_per_channel(vn[i], vr[i]) for i in range(len(vn))]),
        "oracle: lookup table fit on the image itself": np.stack(
            [apply_lookup(fit_lookup(vn[i : i + 1], vr[i : i + 1]), vn[i : i + 1])[0] for i in range(len(vn))]),
    }  # fmt: skip
    target = torch.from_numpy(vr / 255.0).permute(0, 3, 1, 2)
    lines = [
        "| colorization (18 validation pairs, 256 px) | PSNR (dB) | SSIM | AE (°) |",
        "|---|---:|---:|---:|",
    ]
    for name, pred in rows.items():
        pred = torch.from_numpy(np.clip(np.rint(pred), 0, 255) / 255.0).permute(0, 3, 1, 2)  # as uint8
        s = {k: float(v.mean()) for k, v in evaluate_batch(pred, target).items()}
        lines.append(f"| {name} | {s['psnr']:.2f} | {s['ssim']:.3f} | {s['ae']:.2f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
