"""Can an image's overall colour be told from its NIR at all? A non-oracle reference.

`lookup + regressed colour`: the lookup floor (mean RGB per NIR intensity, fit on the 372
training pairs), then each image's mean colour moved to the one a ridge regression predicts from
the image's NIR intensity histogram (32 bins, plus its mean and standard deviation). The regression
is fit on the training pairs only, so on the 18 validation pairs this is a method, not an oracle;
its ridge strength is chosen by 10-fold cross-validation on the training pairs. Set against the
lookup (its own mean colour) and the oracle that is given each image's true mean colour
(docs/results/oracles.md). Metrics: the project's, 256 px, outputs rounded to 8 bits; the cast is
the angle between mean output and mean true colour (session 14's ae_split.py).
usage: PYTHONPATH=src:. python scene_colour.py DATA
"""
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.references import apply_lookup, fit_lookup

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "scripts"))
from colour_split import cast, scores  # noqa: E402  (metrics on rounded 8-bit outputs; the cast)


def features(nir: np.ndarray) -> np.ndarray:  # (N, H, W) uint8 -> (N, 35)
    x = nir.reshape(len(nir), -1).astype(np.float64) / 255.0
    hist = np.stack([np.histogram(r, bins=32, range=(0, 1))[0] for r in x]) / x.shape[1]
    return np.column_stack([hist, x.mean(1), x.std(1), np.ones(len(x))])


def ridge(f: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    reg = lam * np.eye(f.shape[1])
    reg[-1, -1] = 0.0  # no penalty on the intercept
    return np.linalg.solve(f.T @ f + reg, f.T @ y)


def with_mean(out: np.ndarray, mean: np.ndarray) -> np.ndarray:  # move each image's mean colour
    return np.clip(out - out.mean((1, 2), keepdims=True) + mean[:, None, None, :], 0, 255).round()


def score(pred: np.ndarray, truth: np.ndarray) -> dict:
    target = torch.from_numpy(truth / 255.0).permute(0, 3, 1, 2)
    return scores(pred, target) | {"cast": float(cast(pred, truth).mean())}


index = validate_dataset(sys.argv[1], decode=False)
tn, tr = load_pairs(index.pairs)
vn, vr = load_pairs(index.validation)
table = fit_lookup(tn, tr)
ft, fv = features(tn), features(vn)
yt = tr.reshape(len(tr), -1, 3).astype(np.float64).mean(1)  # (N, 3) mean colour
folds = np.arange(len(tn)) % 10
cv = {}
for lam in (1e-3, 1e-2, 1e-1, 1.0, 10.0):
    err = [np.abs(ft[folds == k] @ ridge(ft[folds != k], yt[folds != k], lam) - yt[folds == k]).mean()
           for k in range(10)]
    cv[lam] = float(np.mean(err))
lam = min(cv, key=cv.get)
pred_mean = fv @ ridge(ft, yt, lam)
base = apply_lookup(table, vn).astype(np.float64)
rows = {
    "lookup (floor)": score(base, vr.astype(np.float64)),
    f"lookup + regressed colour (ridge {lam:g})": score(with_mean(base, pred_mean), vr.astype(np.float64)),
    "oracle: lookup + the image's true mean colour": score(with_mean(base, vr.reshape(len(vr), -1, 3).mean(1)), vr.astype(np.float64)),
}
print("10-fold CV mean |error| of the regressed mean colour on the training pairs (8-bit levels): "
      + ", ".join(f"ridge {k:g}: {v:.2f}" for k, v in cv.items())
      + f"; the training mean alone: {np.abs(yt - yt.mean(0)).mean():.2f}")
print("| colorization (18 validation pairs, 256 px) | PSNR (dB) | SSIM | AE (°) | cast (°) |")
print("|---|---:|---:|---:|---:|")
for name, r in rows.items():
    print(f"| {name} | {r['psnr']:.2f} | {r['ssim']:.3f} | {r['ae']:.2f} | {r['cast']:.2f} |")
