"""The U-Net generators: the reference CycleGAN ``unet_256`` and its cross-scale dense variant.

Structure (reference junyanz/pytorch-CycleGAN-and-pix2pix ``unet_256``, InstanceNorm without
affine, so every conv carries a bias). Levels are named by resolution: level ``k`` lives at
``H / 2**k``; ``depth = log2(image_size)`` (8 at 256), so the bottleneck is 1×1.

- Encoder block ``k = 1..depth`` (``self.downs[k - 1]``) maps level ``k-1`` to level ``k`` with a
  4×4 stride-2 conv. Channels ``in -> ngf -> 2ngf -> 4ngf -> 8ngf -> 8ngf …``. Block 1 is conv only,
  the bottleneck block ``depth`` is LeakyReLU+conv, the others LeakyReLU+conv+InstanceNorm.
  Its output is the skip ``x_k``.
- Decoder block ``k = depth-1..0`` (``self.ups``, coarse → fine) maps level ``k+1`` to level ``k``
  with ReLU + 4×4 stride-2 transposed conv + InstanceNorm (the output block ``k = 0`` ends in
  Tanh instead of a norm). Its output is the decoder feature ``y_k``. The innermost block reads the
  bottleneck alone; every other block reads ``cat[x_{k+1}, y_{k+1}]`` (skip first, as the
  reference's ``cat([x, model(x)])``). ReLU acts on the concatenated input, as in the reference.
- ``dropout=True`` puts Dropout(0.5) after the norm of the 8ngf middle decoder blocks
  ``4 <= k <= depth-2`` (the reference's ``use_dropout`` blocks; none at depth 5).
- ``global_colour=True`` (beyond the paper; off for its variants) adds a per-image colour offset
  to the output block's pre-Tanh value: a 1×1 conv of the bottleneck, averaged over space. Every
  decoder block's InstanceNorm removes each channel's mean over the image, so without it an
  image-wide colour can reach the output only through the shape of the normalised features'
  distributions. The offset conv starts at zero, so a fresh generator computes what the paper's
  does, and it is created after the other weights are drawn, so those are the same draws too.

Paper ↔ code (VCIP 2020, "cross-scale dense connections" on the UNet256 decoder). At 256 input:

| paper | code               | resolution | channels (ngf = 64) |
|-------|--------------------|------------|---------------------|
| y4    | ``feats[4]`` (y_4) | 16×16      | 8ngf = 512          |
| y3    | ``feats[3]`` (y_3) | 32×32      | 4ngf = 256          |
| y2    | ``feats[2]`` (y_2) | 64×64      | 2ngf = 128          |
| y1    | ``feats[1]`` (y_1) | 128×128    | ngf  = 64           |

Dense links (``DENSE_LINKS``: receiving decoder level -> upsampled sources), with the
concatenation order of the receiving block's input:

- ``DENSE_LINKS[1] = (4,)``: the block producing y1 reads ``[x2, up4(y4), y2]`` = 2 + 8 + 2 = 12ngf.
- ``DENSE_LINKS[0] = (4, 3)``: the output block reads ``[x1, up8(y4), up4(y3), y1]``
  = 1 + 8 + 4 + 1 = 14ngf.

Upsampling is bilinear with ``align_corners=False`` (``upsample_bilinear``: the same weights as
``F.interpolate``, computed as two matmuls). At other sizes the same levels are used
(``y_k`` at ``H / 2**k``), so the dense links need ``depth >= 5``, i.e. ``image_size >= 32``.

The reference applies its down-path LeakyReLU in place, which overwrites the stored skip with
LeakyReLU(x); since a skip is only ever read through the up path's ReLU, and
ReLU(LeakyReLU(x)) = ReLU(x), the activations here are out of place with identical results.
"""

from __future__ import annotations

import functools
import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

Variant = Literal["baseline", "dense"]
MIN_IMAGE_SIZE = 32  # depth 5: the smallest U-Net that still has a y4 for the dense links


def _depth_for(image_size: int) -> int:
    if image_size < MIN_IMAGE_SIZE or image_size & (image_size - 1):
        raise ValueError(
            f"image_size must be a power of two >= {MIN_IMAGE_SIZE} (the U-Net halves it down "
            f"to a 1×1 bottleneck), got {image_size}"
        )
    return int(math.log2(image_size))


def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """Reference ``init_type='normal'``: conv weights ~ N(0, std), biases 0 (norms have no params)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def instance_norm(channels: int) -> nn.Module:
    # No affine and no running stats: the reference's 'instance' norm; the conv bias stands in.
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class UNetGenerator(nn.Module):
    """U-Net generator; ``dense=True`` adds the paper's cross-scale dense decoder links."""

    # receiving decoder level -> decoder levels whose features are upsampled into its input
    DENSE_LINKS: dict[int, tuple[int, ...]] = {1: (4,), 0: (4, 3)}

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        ngf: int = 64,
        image_size: int = 256,
        dense: bool = False,
        dropout: bool = False,
        init_std: float = 0.02,
        global_colour: bool = False,
    ) -> None:
        super().__init__()
        if in_channels < 1 or out_channels < 1 or ngf < 1:
            raise ValueError(
                f"in_channels, out_channels and ngf must be >= 1, got {in_channels}, {out_channels}, {ngf}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.ngf = ngf
        self.image_size = image_size
        self.dense = dense
        self.depth = _depth_for(image_size)
        self.size_multiple = 2**self.depth
        self.dense_links: dict[int, tuple[int, ...]] = dict(self.DENSE_LINKS) if dense else {}

        def ch(k: int) -> int:  # channels of x_k and y_k for k >= 1
            return ngf * min(2 ** (k - 1), 8)

        self.downs = nn.ModuleList()
        for k in range(1, self.depth + 1):
            c_in = in_channels if k == 1 else ch(k - 1)
            conv = nn.Conv2d(c_in, ch(k), kernel_size=4, stride=2, padding=1)
            if k == 1:
                layers: list[nn.Module] = [conv]
            elif k == self.depth:  # bottleneck is 1×1 at image_size: nothing to normalise over
                layers = [nn.LeakyReLU(0.2), conv]
            else:
                layers = [nn.LeakyReLU(0.2), conv, instance_norm(ch(k))]
            self.downs.append(nn.Sequential(*layers))

        self.up_levels: tuple[int, ...] = tuple(range(self.depth - 1, -1, -1))  # coarse → fine
        self.ups = nn.ModuleList()
        for k in self.up_levels:
            c_in = ch(self.depth) if k == self.depth - 1 else 2 * ch(k + 1)
            c_in += sum(ch(src) for src in self.dense_links.get(k, ()))
            c_out = out_channels if k == 0 else ch(k)
            upconv = nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1)
            if k == 0:
                layers = [nn.ReLU(), upconv, nn.Tanh()]
            else:
                layers = [nn.ReLU(), upconv, instance_norm(c_out)]
                if dropout and 4 <= k <= self.depth - 2:
                    layers.append(nn.Dropout(0.5))
            self.ups.append(nn.Sequential(*layers))

        init_weights(self, init_std)
        self.global_colour: nn.Conv2d | None = None
        if global_colour:  # after init_weights: draws no random numbers, starts at exactly zero
            head = nn.utils.skip_init(nn.Conv2d, ch(self.depth), out_channels, kernel_size=1)
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)
            self.global_colour = head

    def forward(self, x: Tensor) -> Tensor:  # (B, in, H, W), H and W multiples of size_multiple
        if x.ndim != 4 or x.shape[-2] % self.size_multiple or x.shape[-1] % self.size_multiple:
            raise ValueError(
                f"expected (B, {self.in_channels}, H, W) with H and W multiples of "
                f"{self.size_multiple}, got {tuple(x.shape)}"
            )
        skips: list[Tensor] = [x]  # skips[k] = x_k at (H/2^k, W/2^k); skips[0] is the input
        for down in self.downs:
            x = down(x)  # (B, ch(k), H/2^k, W/2^k)
            skips.append(x)

        feats: dict[int, Tensor] = {}  # feats[k] = y_k, decoder output at (H/2^k, W/2^k)
        for k, up in zip(self.up_levels, self.ups):
            inputs = [x] if k == self.depth - 1 else [skips[k + 1]]
            size = skips[k + 1].shape[-2:]
            inputs += [
                upsample_bilinear(feats[src], size) for src in self.dense_links.get(k, ())
            ]  # (B, ch(src), H/2^(k+1), W/2^(k+1)) each
            if k != self.depth - 1:
                inputs.append(x)  # y_{k+1}
            h = torch.cat(inputs, dim=1)
            if k == 0 and self.global_colour is not None:
                relu, upconv, tanh = up
                offset = self.global_colour(skips[self.depth].mean(dim=(-2, -1), keepdim=True))
                x = tanh(upconv(relu(h)) + offset)  # (B, out, 1, 1) offset broadcast over H, W
            else:
                x = up(h)  # (B, ch(k) or out, H/2^k, W/2^k)
            feats[k] = x
        return x  # (B, out, H, W) in [-1, 1]


@functools.lru_cache(maxsize=64)
def _interpolation_matrix(n_in: int, n_out: int, device: torch.device, dtype: torch.dtype) -> Tensor:
    """(n_out, n_in) weights of 1-D linear interpolation, ``align_corners=False`` (PyTorch's rule:
    source = (i + 0.5)·n_in/n_out − 0.5, clamped at 0; the right neighbour clamped at the edge)."""
    src = ((torch.arange(n_out, dtype=torch.float64) + 0.5) * (n_in / n_out) - 0.5).clamp_(min=0)
    i0 = src.floor().long().clamp_(max=n_in - 1)
    i1 = (i0 + 1).clamp_(max=n_in - 1)
    w1 = src - i0
    m = torch.zeros(n_out, n_in, dtype=torch.float64)
    rows = torch.arange(n_out)
    m.index_put_((rows, i0), 1.0 - w1, accumulate=True)
    m.index_put_((rows, i1), w1, accumulate=True)
    return m.to(device=device, dtype=dtype)


def upsample_bilinear(x: Tensor, size: tuple[int, int] | torch.Size) -> Tensor:
    """``F.interpolate(x, size, mode="bilinear", align_corners=False)`` as two small matmuls.

    Bilinear resizing is separable: rows then columns, each a fixed (out, in) matrix with two
    non-zero weights per row. As matmuls its backward is two more matmuls, where PyTorch's
    ``upsample_bilinear2d_backward`` scatters with atomics: on an H200 the dense generator's
    upsampling forward + backward was 44% of a training step's GPU time (docs/benchmarks.md).
    Same weights, so equal to F.interpolate up to float rounding.
    """
    h_out, w_out = int(size[0]), int(size[1])
    h_in, w_in = x.shape[-2], x.shape[-1]
    dtype = x.dtype if x.dtype in (torch.float16, torch.bfloat16, torch.float64) else torch.float32
    # compiled code bakes the matrices in as constants: there, skip the (untraceable) cache
    build = _interpolation_matrix.__wrapped__ if torch.compiler.is_compiling() else _interpolation_matrix
    mh = build(h_in, h_out, x.device, dtype)  # (H_out, H_in)
    mw = build(w_in, w_out, x.device, dtype)  # (W_out, W_in)
    return mh @ (x @ mw.T)  # (B, C, H_in, W_out) → (B, C, H_out, W_out)


class DenseUNetGenerator(UNetGenerator):
    """The paper's generator: ``UNetGenerator(dense=True)``."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__(in_channels, out_channels, dense=True, **kwargs)


def build_generator(
    variant: Variant,
    in_channels: int,
    out_channels: int,
    *,
    ngf: int = 64,
    image_size: int = 256,
    dropout: bool = False,
    init_std: float = 0.02,
    global_colour: bool = False,
) -> UNetGenerator:
    """The generator for ``variant`` ('baseline' = reference unet_256, 'dense' = the paper's)."""
    if variant not in ("baseline", "dense"):
        raise ValueError(f"variant must be 'baseline' or 'dense', got {variant!r}")
    return UNetGenerator(
        in_channels,
        out_channels,
        ngf=ngf,
        image_size=image_size,
        dense=variant == "dense",
        dropout=dropout,
        init_std=init_std,
        global_colour=global_colour,
    )


def generator_options(model_cfg) -> dict:
    """``build_generator``'s shape keywords from a ``ModelConfig`` (duck-typed: this module needs
    torch alone), so every path that builds or rebuilds a generator builds the same one."""
    m = model_cfg
    return {
        "ngf": m.ngf, "image_size": m.image_size, "dropout": m.dropout,
        "init_std": m.init_std, "global_colour": m.global_colour,
    }
