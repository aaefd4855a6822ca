"""The challenge's image metrics (PSNR, SSIM, angular error) as batched torch code, and the per-image table.

All metrics take ``pred`` and ``target`` of shape (N, C, H, W) with values in [0, 1] (convert
generator outputs from [-1, 1] first) and return a float64 tensor of N values, one per image,
on the inputs' device. They compute in float64 so that they agree with the scikit-image/numpy
references to ~1e-10, well inside the 1e-4 the tests ask for.

- PSNR = 10·log10(1 / MSE), MSE over all channels and pixels of an image (the challenge's
  10·log10(255² / MSE) on 8-bit images, rescaled). Identical images give +inf, as scikit-image's
  ``peak_signal_noise_ratio`` does; callers averaging over a set should expect that.
- SSIM = scikit-image ``structural_similarity(a, b, win_size=7, channel_axis=-1, data_range=1.0)``:
  uniform 7×7 window, sample covariance (×49/48), K1 = 0.01, K2 = 0.03, the SSIM map averaged
  over the region whose window lies fully inside the image, then over channels.
- AE = per-pixel arccos(⟨a, b⟩ / (‖a‖·‖b‖ + eps)) in degrees over the channel vector, averaged
  over pixels, with the cosine clamped to [-1, 1]. The eps (1e-6) keeps black pixels finite but
  biases the angle upward where ‖a‖·‖b‖ is small: on [0, 1] images a pixel with ‖a‖·‖b‖ = 0.01
  reads ~0.8° even when a = b. For 1-channel images the "angle" is degenerate: 0° (up to that
  eps bias) where both pixels are positive and 90° where either is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

SSIM_WIN_SIZE = 7
SSIM_K1 = 0.01
SSIM_K2 = 0.03
AE_EPS = 1e-6


def _check_pair(pred: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    if pred.shape != target.shape or pred.ndim != 4:
        raise ValueError(
            f"pred and target must both be (N, C, H, W) with equal shapes, got "
            f"{tuple(pred.shape)} and {tuple(target.shape)}"
        )
    return pred.to(torch.float64), target.to(torch.float64)


def psnr(pred: Tensor, target: Tensor) -> Tensor:
    """Peak signal-to-noise ratio in dB per image, peak 1 (+inf for identical images)."""
    pred, target = _check_pair(pred, target)
    mse = (pred - target).pow(2).mean(dim=(1, 2, 3))  # (N,)
    return 10.0 * torch.log10(1.0 / mse)


def ssim(pred: Tensor, target: Tensor) -> Tensor:
    """Mean structural similarity per image, exactly scikit-image's defaults with win_size=7."""
    pred, target = _check_pair(pred, target)
    n, c, h, w = pred.shape
    if min(h, w) < SSIM_WIN_SIZE:
        raise ValueError(f"SSIM needs images of at least {SSIM_WIN_SIZE}×{SSIM_WIN_SIZE}, got {h}×{w}")
    # A padding-free average pool is the uniform filter evaluated only where scikit-image keeps it
    # (it crops (win_size-1)//2 on each side), so no border handling is needed.
    x = pred.reshape(n * c, 1, h, w)
    y = target.reshape(n * c, 1, h, w)
    stacked = torch.cat([x, y, x * x, y * y, x * y], dim=1)  # (N·C, 5, H, W)
    ux, uy, uxx, uyy, uxy = F.avg_pool2d(stacked, SSIM_WIN_SIZE, stride=1).unbind(dim=1)  # (N·C, H-6, W-6)
    cov_norm = SSIM_WIN_SIZE**2 / (SSIM_WIN_SIZE**2 - 1)  # sample covariance, as scikit-image
    vx = cov_norm * (uxx - ux * ux)
    vy = cov_norm * (uyy - uy * uy)
    vxy = cov_norm * (uxy - ux * uy)
    c1, c2 = SSIM_K1**2, SSIM_K2**2  # data_range = 1
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    # Every channel has the same number of valid pixels, so the mean of channel means is the mean.
    return s.reshape(n, -1).mean(dim=1)


def angular_error(pred: Tensor, target: Tensor, *, eps: float = AE_EPS) -> Tensor:
    """Mean per-pixel angle in degrees between the channel vectors of ``pred`` and ``target``."""
    pred, target = _check_pair(pred, target)
    dot = (pred * target).sum(dim=1)  # (N, H, W)
    norms = pred.norm(dim=1) * target.norm(dim=1)  # (N, H, W)
    cos = (dot / (norms + eps)).clamp(-1.0, 1.0)
    return torch.rad2deg(torch.arccos(cos)).mean(dim=(1, 2))


def evaluate_batch(pred: Tensor, target: Tensor) -> dict[str, Tensor]:
    """All three metrics per image: ``{"psnr": (N,), "ssim": (N,), "ae": (N,)}``."""
    return {"psnr": psnr(pred, target), "ssim": ssim(pred, target), "ae": angular_error(pred, target)}


def metrics_table(
    names: Sequence[str],
    psnr: Sequence[float] | Tensor,
    ssim: Sequence[float] | Tensor,
    ae: Sequence[float] | Tensor,
) -> "pd.DataFrame":
    """Per-image rows plus a final ``average`` row of column means (the paper's Table I layout)."""
    import pandas as pd  # only tables need pandas; the metrics run on a bare torch install

    columns = {"psnr": psnr, "ssim": ssim, "ae": ae}
    values = {
        key: (v.detach().cpu().double().tolist() if isinstance(v, Tensor) else [float(x) for x in v])
        for key, v in columns.items()
    }
    for key, v in values.items():
        if len(v) != len(names):
            raise ValueError(f"{key} has {len(v)} values for {len(names)} image names")
    table = pd.DataFrame({"image": [str(n) for n in names], **values})
    average = {"image": "average", **{key: table[key].mean() for key in values}}
    return pd.concat([table, pd.DataFrame([average])], ignore_index=True)
