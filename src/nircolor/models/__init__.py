"""Network builders: the U-Net generators (baseline and dense) and the PatchGAN discriminator."""

from __future__ import annotations

from torch import nn

from nircolor.models.patchgan import PatchDiscriminator, build_discriminator
from nircolor.models.unet import (
    DenseUNetGenerator,
    UNetGenerator,
    build_generator,
    generator_options,
    init_weights,
)


def count_parameters(module: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``module`` (all of them unless ``trainable_only``)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


__all__ = [
    "DenseUNetGenerator",
    "PatchDiscriminator",
    "UNetGenerator",
    "build_discriminator",
    "build_generator",
    "generator_options",
    "count_parameters",
    "init_weights",
]
