"""The paper's objective: adversarial (Eq. 1), cycle-consistency (Eq. 2) and pair L1 (Eq. 3–4) terms."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor


class GANLoss(torch.nn.Module):
    """Adversarial loss on PatchGAN logit maps.

    `vanilla` is the paper's Eq. 1 (binary cross-entropy on logits, every patch a vote);
    `lsgan` is the least-squares variant the reference CycleGAN uses by default.
    """

    def __init__(self, mode: Literal["vanilla", "lsgan"] = "vanilla") -> None:
        super().__init__()
        if mode not in ("vanilla", "lsgan"):
            raise ValueError(f"gan_mode must be 'vanilla' or 'lsgan', got {mode!r}")
        self.mode = mode

    def forward(self, logits: Tensor, target_is_real: bool) -> Tensor:
        target = torch.ones_like(logits) if target_is_real else torch.zeros_like(logits)
        if self.mode == "vanilla":
            return F.binary_cross_entropy_with_logits(logits, target)
        return F.mse_loss(logits, target)


def cycle_loss(reconstructed: Tensor, real: Tensor) -> Tensor:
    """Cycle-consistency L1, Eq. 2: ‖F(G(x)) − x‖₁ for one direction (weighted by λ1 outside)."""
    return F.l1_loss(reconstructed, real)


def pair_loss(translated: Tensor, registered: Tensor) -> Tensor:
    """Pair L1, Eq. 3–4: ‖G(x) − y‖₁ against the registered partner (weighted by λ2 outside)."""
    return F.l1_loss(translated, registered)


def discriminator_loss(gan: GANLoss, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """0.5·(real + fake): halving slows D relative to G, as in the reference CycleGAN."""
    return 0.5 * (gan(real_logits, True) + gan(fake_logits, False))


# --- Terms beyond the paper on the NIR→RGB pair (loss.lambda_ssim, lambda_angle, lambda_edge, lambda_mse,
#     lambda_mean_colour)
# Later work on the same challenge data adds them to a CycleGAN-style objective: SSIM and an RGB
# angle term (ColorMamba; SF-GPT trains on 10·L1 + 10·(1 − SSIM)), Sobel-gradient L1 (MCFNet).
# All take generator outputs and targets in [-1, 1].

_SSIM_SIGMA = 1.5
_SSIM_WIN = 11


def _gaussian_band(n: int, device: torch.device, dtype: torch.dtype) -> Tensor:
    """(n − 10, n) matrix whose rows are the 11-tap Gaussian at each 'valid' position: blurring
    along one axis as a matmul (much faster on CPU than a 1-channel convolution)."""
    x = torch.arange(_SSIM_WIN, dtype=torch.float64) - (_SSIM_WIN - 1) / 2
    g = torch.exp(-(x**2) / (2 * _SSIM_SIGMA**2))
    g = g / g.sum()
    m = torch.zeros(n - _SSIM_WIN + 1, n, dtype=torch.float64)
    for i in range(n - _SSIM_WIN + 1):
        m[i, i : i + _SSIM_WIN] = g
    return m.to(device=device, dtype=dtype)


def ssim_loss(translated: Tensor, registered: Tensor) -> Tensor:
    """1 − SSIM (Wang et al. 2004: 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03,
    data range 1, 'valid' region), on images mapped to [0, 1], averaged over channels."""
    x, y = (translated + 1) / 2, (registered + 1) / 2
    h, w = x.shape[-2:]
    if min(h, w) < _SSIM_WIN:
        raise ValueError(f"ssim_loss needs images of at least {_SSIM_WIN}×{_SSIM_WIN}, got {h}×{w}")
    # the five local moments in one separable Gaussian blur (columns, then rows). Autocast off:
    # under bf16 autocast the matmuls would run in bf16, whose 8-bit mantissa cancels E[x²] − E[x]²
    # to garbage (negative variances, SSIM → −inf); the inputs' own dtype is kept instead
    stack = torch.stack([x, y, x * x, y * y, x * y])  # (5, B, C, H, W)
    mh, mw = _gaussian_band(h, x.device, x.dtype), _gaussian_band(w, x.device, x.dtype)
    with torch.autocast(x.device.type, enabled=False):
        mx, my, mxx, myy, mxy = (mh @ stack @ mw.T).unbind(dim=0)  # each (B, C, H-10, W-10)
    vx, vy, vxy = mxx - mx * mx, myy - my * my, mxy - mx * my
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return 1.0 - s.mean()


def angle_loss(translated: Tensor, registered: Tensor, eps: float = 1e-6) -> Tensor:
    """Mean per-pixel angle (radians) between the RGB vectors of the two images in [0, 1]: the
    training form of the challenge's AE metric. The cosine is clamped inside (−1, 1) so the
    arccos gradient stays finite where the colours agree."""
    x, y = (translated + 1) / 2, (registered + 1) / 2
    dot, nx, ny = (x * y).sum(dim=1), (x * x).sum(dim=1), (y * y).sum(dim=1)  # (B, H, W)
    # clamped before the root: its gradient is infinite at 0 (a black pixel), NaN after the chain
    # rule; Tensor.norm avoids that too but its backward is ~20× slower on CPU
    cos = dot / (nx * ny).clamp_min(eps * eps).sqrt()
    return torch.arccos(cos.clamp(-1 + 1e-6, 1 - 1e-6)).mean()


def squared_error_loss(translated: Tensor, registered: Tensor) -> Tensor:
    """Mean squared error of the two images mapped to [0, 1]: the quantity PSNR scores. Where the
    NIR leaves a pixel's colour uncertain, L1 pulls the output to the median of what it could be,
    squared error to the mean; the mean is what minimises the metric's MSE."""
    return F.mse_loss((translated + 1) / 2, (registered + 1) / 2)


def mean_colour_loss(translated: Tensor, registered: Tensor) -> Tensor:
    """L1 between each image's mean colour (per channel, over its pixels) in the two images mapped to
    [0, 1], averaged over images and channels. Blind to where in the image the colour goes, it pushes
    only each image's overall colour: per-pixel L1 pulls each output towards the median of what it
    could be, which sits under the mean where a few bright highlights skew it, and the trained models
    come out a few levels darker than their own training targets (docs/results.md, session 39: at
    weight 30 this term took about one level of that off)."""
    x, y = (translated + 1) / 2, (registered + 1) / 2
    return (x.mean(dim=(-2, -1)) - y.mean(dim=(-2, -1))).abs().mean()


def sobel(t: Tensor) -> tuple[Tensor, Tensor]:
    """Sobel x and y gradients per channel over the 'valid' region: the cross-correlation with
    [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and its transpose, written as slices."""
    dx = t[..., :, 2:] - t[..., :, :-2]  # (…, H, W-2)
    gx = dx[..., :-2, :] + 2 * dx[..., 1:-1, :] + dx[..., 2:, :]
    dy = t[..., 2:, :] - t[..., :-2, :]  # (…, H-2, W)
    gy = dy[..., :, :-2] + 2 * dy[..., :, 1:-1] + dy[..., :, 2:]
    return gx, gy


def edge_loss(translated: Tensor, registered: Tensor) -> Tensor:
    """L1 between the Sobel gradients (x and y, per channel) of the two images, averaged."""
    gx, gy = sobel(translated)
    tx, ty = sobel(registered)
    return 0.5 * (F.l1_loss(gx, tx) + F.l1_loss(gy, ty))
