"""The PatchGAN discriminator: the reference CycleGAN ``NLayerDiscriminator`` (70×70 patches at n_layers=3).

InstanceNorm without affine, so every conv carries a bias. At ``n_layers = 3`` and a 256×256
input the logit map is 30×30, each logit seeing a 70×70 receptive field; a 32×32 input still
gives a 2×2 map.
"""

from __future__ import annotations

from torch import Tensor, nn

from nircolor.models.unet import init_weights, instance_norm


class PatchDiscriminator(nn.Module):
    """Conv(s2)+LReLU, (n_layers-1)× Conv(s2)+IN+LReLU, Conv(s1)+IN+LReLU, Conv(s1) -> 1 logit/patch."""

    def __init__(self, in_channels: int, *, ndf: int = 64, n_layers: int = 3, init_std: float = 0.02) -> None:
        super().__init__()
        if in_channels < 1 or ndf < 1 or n_layers < 1:
            raise ValueError(
                f"in_channels, ndf and n_layers must be >= 1, got {in_channels}, {ndf}, {n_layers}"
            )
        self.in_channels = in_channels
        self.n_layers = n_layers

        def ch(n: int) -> int:  # channels double per layer, capped at 8ndf as in the reference
            return ndf * min(2**n, 8)

        # No norm on the first layer: the reference keeps the input statistics there.
        layers: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        for n in range(1, n_layers):
            layers += [
                nn.Conv2d(ch(n - 1), ch(n), 4, stride=2, padding=1),
                instance_norm(ch(n)),
                nn.LeakyReLU(0.2),
            ]
        layers += [
            nn.Conv2d(ch(n_layers - 1), ch(n_layers), 4, stride=1, padding=1),
            instance_norm(ch(n_layers)),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ch(n_layers), 1, 4, stride=1, padding=1),
        ]
        self.model = nn.Sequential(*layers)
        init_weights(self, init_std)

    def forward(self, x: Tensor) -> Tensor:  # (B, in, H, W)
        return self.model(x)  # (B, 1, H/2^n_layers - 2, W/2^n_layers - 2) logits; 30×30 at 256


def build_discriminator(
    in_channels: int, *, ndf: int = 64, n_layers: int = 3, init_std: float = 0.02
) -> PatchDiscriminator:
    """The PatchGAN discriminator for images with ``in_channels`` channels."""
    return PatchDiscriminator(in_channels, ndf=ndf, n_layers=n_layers, init_std=init_std)
