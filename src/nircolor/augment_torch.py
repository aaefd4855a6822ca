"""The paper's augmentation as batched torch ops, for training data resident on the GPU (or CPU).

Same distribution as `nircolor.augment.build_augmentation` (albumentations), drawn per sample:
    gate ~ Bernoulli(p_contrast_crop)                 contrast + crop-and-rescale together
    α    ~ U(contrast_range)                          NIR contrast about its whole-image mean
    x0, y0 ~ uniform integers in [0, H − crop]        RandomCrop's window (inclusive range)
    flip ~ Bernoulli(p_flip), independent of gate     horizontal mirror of both images
and the same math for given draws: contrast as a float32 LUT with a truncating uint8 cast,
crop, bicubic resize (a = −0.75, half-pixel centres, edge replication — OpenCV's INTER_CUBIC),
rounded and saturated to uint8, then the mirror. `augment.apply_params` is the reference: a CPU
test holds this module to it for fixed draws (uint8 bicubic rounding may differ by one level).

The draws come from a CPU `torch.Generator` seeded per epoch, so a run is repeatable and
resumable whichever device applies them, and every sample's draws are fixed before the epoch
starts (so data-parallel ranks can take their slices of the same epoch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from nircolor.config import AugmentConfig


@dataclass(frozen=True)
class Draws:
    """Per-sample draws for n samples (CPU tensors): gate, alpha, x0, y0 and flip, each (n,)."""

    gate: Tensor  # bool
    alpha: Tensor  # float32; meaningful where gate
    x0: Tensor  # int64
    y0: Tensor  # int64
    flip: Tensor  # bool

    def __len__(self) -> int:
        return len(self.gate)

    def take(self, idx: Tensor | slice) -> "Draws":
        return Draws(self.gate[idx], self.alpha[idx], self.x0[idx], self.y0[idx], self.flip[idx])

    def to(self, device: torch.device) -> "Draws":
        return Draws(*(t.to(device, non_blocking=True) for t in (self.gate, self.alpha, self.x0, self.y0, self.flip)))


def draw(gen: torch.Generator, n: int, cfg: AugmentConfig, image_size: int, side: int) -> Draws:
    """Draw the augmentation parameters of n samples from `gen` (a CPU generator)."""
    lo, hi = cfg.contrast_range
    gate = torch.rand(n, generator=gen) < cfg.p_contrast_crop
    alpha = lo + (hi - lo) * torch.rand(n, generator=gen)
    span = image_size - side + 1
    y0 = torch.randint(0, span, (n,), generator=gen)
    x0 = torch.randint(0, span, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < cfg.p_flip
    return Draws(gate, alpha, x0, y0, flip)


def _contrast(nir: Tensor, alpha: Tensor) -> Tensor:
    """uint8 (B, H, W), α (B,) → uint8: clip(α·x + (1 − α)·mean(x)) truncated, as albumentations."""
    mean = nir.double().mean(dim=(1, 2))  # the reference takes the mean in float64
    offset = (mean * (1.0 - alpha.double())).float()
    out = nir.float() * alpha.float()[:, None, None] + offset[:, None, None]
    return out.clamp_(0, 255).to(torch.uint8)


def _crop_resize(images: Tensor, x0: Tensor, y0: Tensor, side: int, out_size: int) -> Tensor:
    """uint8 (B, C, H, W) → the (side × side) windows at (x0, y0), bicubic-resized, uint8."""
    ar = torch.arange(side, device=images.device)
    rows = (y0[:, None] + ar)[:, None, :, None]  # (B, 1, side, 1)
    cols = (x0[:, None] + ar)[:, None, None, :]  # (B, 1, 1, side)
    b = torch.arange(images.shape[0], device=images.device)[:, None, None, None]
    c = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    crops = images[b, c, rows, cols].float()  # (B, C, side, side)
    resized = F.interpolate(crops, size=(out_size, out_size), mode="bicubic", align_corners=False)
    return resized.round_().clamp_(0, 255).to(torch.uint8)


def geometry(images: Tensor, d: Draws, side: int) -> Tensor:
    """Crop-and-rescale where gated, then mirror: uint8 (B, C, H, W) → the same shape."""
    cropped = _crop_resize(images, d.x0, d.y0, side, images.shape[-1])
    images = torch.where(d.gate.view(-1, 1, 1, 1), cropped, images)
    return torch.where(d.flip.view(-1, 1, 1, 1), images.flip(-1), images)


def apply(nir: Tensor, rgb: Tensor, d: Draws, side: int) -> tuple[Tensor, Tensor]:
    """Augment registered pairs: nir uint8 (B, H, W), rgb uint8 (B, H, W, 3) → the same shapes.

    `d` holds this batch's draws on the images' device; contrast on the NIR only, the same
    geometry on both (stacked as 4 channels so they share one crop and one resize).
    """
    nir = torch.where(d.gate.view(-1, 1, 1), _contrast(nir, d.alpha), nir)
    both = torch.cat([nir.unsqueeze(1), rgb.permute(0, 3, 1, 2)], dim=1)  # (B, 4, H, W)
    both = geometry(both, d, side)
    return both[:, 0], both[:, 1:].permute(0, 2, 3, 1)


def apply_rgb(rgb: Tensor, d: Draws, side: int) -> Tensor:
    """Geometry only, for unpaired RGB (the contrast change is for NIR inputs): (B, H, W, 3)."""
    return geometry(rgb.permute(0, 3, 1, 2), d, side).permute(0, 2, 3, 1)


def exposure_on(cfg: AugmentConfig) -> bool:
    """Whether `augment.exposure_range` asks for a gain at all ([1, 1] = off)."""
    return tuple(cfg.exposure_range) != (1.0, 1.0)


def draw_exposure(gen: torch.Generator, n: int, cfg: AugmentConfig) -> Tensor:
    """n exposure gains (float32, CPU), log-uniform in `cfg.exposure_range`: k and 1/k equally likely."""
    lo, hi = (math.log(v) for v in cfg.exposure_range)
    u = torch.rand(n, generator=gen, dtype=torch.float64)
    return torch.exp(lo + (hi - lo) * u).float()


def expose(images: Tensor, k: Tensor) -> Tensor:
    """uint8 (B, ...) times a per-sample gain k (B,) → uint8: round(x·k), saturated at 0 and 255."""
    gain = k.to(images.device, torch.float32).view((-1,) + (1,) * (images.ndim - 1))
    return (images.float() * gain).round_().clamp_(0, 255).to(torch.uint8)


def cutmix_on(cfg: AugmentConfig) -> bool:
    """Whether `augment.p_cutmix` asks for CutMix at all (0 = off)."""
    return cfg.p_cutmix > 0.0


def draw_cutmix(gen: torch.Generator, n: int, height: int, width: int, cfg: AugmentConfig) -> Tensor:
    """n CutMix boxes (int64, CPU): rows (gate, top, left, side); gate 0 = the pair is left alone.

    A square of area a·height·width, a uniform in `cfg.cutmix_area`, its side clipped to the image,
    placed uniformly inside it."""
    u = torch.rand(n, 4, generator=gen, dtype=torch.float64)
    lo, hi = cfg.cutmix_area
    side = (torch.sqrt((lo + (hi - lo) * u[:, 1]) * height * width)).round().clamp(1, min(height, width))
    top = (u[:, 2] * (height - side + 1)).floor().clamp(max=height - side)
    left = (u[:, 3] * (width - side + 1)).floor().clamp(max=width - side)
    gate = (u[:, 0] < cfg.p_cutmix).to(torch.float64)
    return torch.stack([gate, top, left, side], dim=1).long()


def cutmix(images: Tensor, boxes: Tensor) -> Tensor:
    """(B, H, W[, C]) with each gated sample's box filled from the previous sample (i − 1, cyclic) of the
    *unmixed* batch; a new tensor, the input untouched. The same boxes on a pair's NIR and RGB keep
    every pixel with its own target."""
    out = images.clone()
    if len(images) < 2:
        return out
    source = images.roll(1, dims=0)
    for i, (gate, top, left, side) in enumerate(boxes.tolist()):
        if gate:
            out[i, top : top + side, left : left + side] = source[i, top : top + side, left : left + side]
    return out


def to_unit(images: Tensor, memory_format: torch.memory_format = torch.contiguous_format) -> Tensor:
    """uint8 (B, H, W) or (B, H, W, C) → float (B, C, H, W) in [-1, 1] (the trainer's input)."""
    t = images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)
    t = t.float().div_(127.5).sub_(1.0)
    # the default keeps whatever layout the permute gives (the plain path always has)
    return t if memory_format is torch.contiguous_format else t.contiguous(memory_format=memory_format)
