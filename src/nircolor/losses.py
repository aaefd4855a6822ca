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
