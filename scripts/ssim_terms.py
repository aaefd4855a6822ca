"""SSIM of the floors split into its terms, and of a blurred / sharpened lookup, on the 18
validation pairs at 256 px: where the floors' SSIM comes from (docs/results.md).

  python scripts/ssim_terms.py ../shared/data/vcip2020

Per image and channel, SSIM = l · cs on 7×7 windows (the metric's own definition): l compares
local means, cs local contrast and correlation; c is the contrast part of cs alone; sx and sy
the mean local standard deviations of output and target (in 0..1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from nircolor.data.io import read_image
from nircolor.references import apply_lookup, fit_lookup, gray


def terms(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    def planes(a):
        return torch.from_numpy(a).permute(0, 3, 1, 2).double().div(255).reshape(-1, 1, *a.shape[1:3])

    x, y = planes(pred), planes(target)
    ux, uy, uxx, uyy, uxy = F.avg_pool2d(torch.cat([x, y, x * x, y * y, x * y], 1), 7, stride=1).unbind(1)
    k = 49 / 48
    vx, vy, vxy = k * (uxx - ux * ux), k * (uyy - uy * uy), k * (uxy - ux * uy)
    c1, c2 = 0.01**2, 0.03**2
    lum = (2 * ux * uy + c1) / (ux * ux + uy * uy + c1)
    cs = (2 * vxy + c2) / (vx + vy + c2)
    sx, sy = vx.clamp(min=0).sqrt(), vy.clamp(min=0).sqrt()
    c = (2 * sx * sy + c2) / (vx + vy + c2)
    return {name: round(float(v.mean()), 4) for name, v in
            {"ssim": lum * cs, "l": lum, "cs": cs, "c": c, "sx": sx, "sy": sy}.items()}  # fmt: skip


def main() -> None:
    data = Path(sys.argv[1])
    nirs = sorted((data / "NIR").glob("*_nir.png"))
    nir = np.stack([read_image(p, "nir") for p in nirs])
    rgb = np.stack([read_image(data / "RGB-Registered" / p.name.replace("_nir.png", "_rgb_reg.png"), "rgb") for p in nirs])
    vn = sorted((data / "Validation").glob("*_nir.png"))
    vnir = np.stack([read_image(p, "nir") for p in vn])
    vrgb = np.stack([read_image(p.with_name(p.name.replace("_nir.png", "_rgb_reg.png")), "rgb") for p in vn])
    lk = apply_lookup(fit_lookup(nir, rgb), vnir)
    print("lookup", terms(lk, vrgb))
    print("gray", terms(gray(vnir), vrgb))
    print("lookup blurred (Gaussian σ 1.5)", terms(np.stack([cv2.GaussianBlur(a, (0, 0), 1.5) for a in lk]), vrgb))
    f = lk.astype(np.float64)
    base = np.stack([cv2.GaussianBlur(a, (0, 0), 2) for a in f])
    for amount in (1.5, 2.0):
        sharp = np.clip(base + amount * (f - base), 0, 255).round().astype(np.uint8)
        print(f"lookup sharpened ×{amount}", terms(sharp, vrgb))


if __name__ == "__main__":
    main()
