"""How much of a model's error on the validation pairs is each image's overall colour.

For each folder of colorized validation images (`<stem>_rgb.png`, as `evaluate` writes them)
and for the lookup floor: scores the images as they are and with each image's mean colour
replaced by the true one (an oracle shift per channel: the error left is the spatial part);
splits their SSIM into its terms as scripts/ssim_terms.py does (l: local means; cs: contrast
and structure; c: contrast alone; sx, sy: mean local standard deviation of output and truth).
Output: markdown tables.

  python scripts/colour_split.py ../shared/data/vcip2020 baseline=artifacts/eval/baseline/images ...
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.io import read_image
from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.metrics import evaluate_batch
from nircolor.references import apply_lookup, fit_lookup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ssim_terms import terms  # noqa: E402  (SSIM split into l, cs, c and the local deviations)


def scores(pred: np.ndarray, target: torch.Tensor) -> dict[str, float]:
    p = torch.from_numpy(np.clip(np.rint(pred), 0, 255) / 255.0).permute(0, 3, 1, 2)
    return {k: float(v.mean()) for k, v in evaluate_batch(p, target).items()}


def cast(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per image (N,), degrees: the angle between the mean output colour and the mean true colour."""
    mp, mt = pred.astype(np.float64).mean((1, 2)), truth.astype(np.float64).mean((1, 2))
    cos = (mp * mt).sum(1) / np.linalg.norm(mp, axis=1) / np.linalg.norm(mt, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def main() -> None:
    index, folders = validate_dataset(sys.argv[1], decode=False), dict(a.split("=", 1) for a in sys.argv[2:])
    stems = [p.stem for p in index.validation]
    val_nir, val_rgb = load_pairs(index.validation)
    truth = val_rgb.astype(np.float64)
    target = torch.from_numpy(truth / 255.0).permute(0, 3, 1, 2)
    rows = []
    print("| model | as scored: PSNR / SSIM / AE | true mean colour: PSNR / SSIM / AE | share of MSE that is mean colour |")
    print("|---|---|---|---:|")
    outputs = {name: np.stack([read_image(Path(folder) / f"{s}_rgb.png", "rgb") for s in stems]) for name, folder in folders.items()}
    outputs["lookup (floor)"] = apply_lookup(fit_lookup(*load_pairs(index.pairs)), val_nir)
    for name, pred in outputs.items():
        pred = pred.astype(np.float64)
        shifted = pred - pred.mean((1, 2), keepdims=True) + truth.mean((1, 2), keepdims=True)
        mse = ((pred - truth) ** 2).mean()
        colour = ((pred.mean((1, 2)) - truth.mean((1, 2))) ** 2).mean()  # the mean part of each image's MSE
        a, b = scores(pred, target), scores(shifted, target)
        fmt = "{psnr:.2f} / {ssim:.3f} / {ae:.2f}"
        print(f"| {name} | {fmt.format(**a)} | {fmt.format(**b)} | {colour / mse:.0%} |")
        rows.append((name, terms(np.clip(np.rint(pred), 0, 255).astype(np.uint8), truth.astype(np.uint8))))
    print()
    print("| model | SSIM | l | cs | c | sx | sy |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, t in rows:
        print(f"| {name} | {t['ssim']:.3f} | {t['l']:.3f} | {t['cs']:.3f} | {t['c']:.3f} | {t['sx']:.4f} | {t['sy']:.4f} |")


if __name__ == "__main__":
    main()
