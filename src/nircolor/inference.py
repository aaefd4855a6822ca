"""Using a trained generator: load it from a checkpoint, colorize arrays of any size, score it.

One inference rule for every path (evaluate, `nircolor colorize`, compare_registered, the served
model, the validation curves): a checkpoint records the scale its generator was trained at
(`scale` = training image size / the data's native size). An image is resized by that factor
(area averaging when smaller, bicubic when larger), colorized, and the output brought back to the
image's own size (bicubic up, area averaging down); at scale 1 the generator runs on the image as
it is. The checkpoint's switches add to that rule: the mirrored-pass average, the 1-px phase
average, tiles of the training size and a saturation scale (`model.flip_average`, `.phase_average`,
`.tile_stride`, `.chroma_scale`; `colorize`). Scores are always taken at the
validation pairs' native size, so Table I's number is what a user gets from the checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from nircolor.config import ModelConfig, resolve_arch
from nircolor.data.packed import PairArrays
from nircolor.metrics import evaluate_batch, metrics_table
from nircolor.models import build_generator, generator_options
from nircolor.training.checkpoint import CheckpointError, load_checkpoint

# The generator runs on the whole image at once. Measured on CPU with the paper's dense generator
# (ngf 64): about 4 KB of activations per input pixel (512×512 → +0.76 GB peak), so 2048×2048 needs
# some 16 GB. The decode limit (data.io.MAX_PIXELS, 50 M) would let a single image exhaust the
# machine here, hence this tighter limit for inference, checked before any tensor is made.
MAX_INFER_PIXELS = 2048 * 2048


class InputTooLarge(ValueError):
    """An image too large to colorize in one pass within the memory limit above."""


def infer_size_problem(height: int, width: int) -> str | None:
    """Why an H×W image cannot be colorized (too many pixels for one pass), or None."""
    if height * width <= MAX_INFER_PIXELS:
        return None
    return (
        f"too large to colorize ({height}×{width} = {height * width:,} pixels > MAX_INFER_PIXELS "
        f"{MAX_INFER_PIXELS:,}, the generator needs ~4 KB per pixel); crop or downscale it"
    )


def load_generator(
    path: str | Path, device: str | torch.device = "cpu", *, direction: str = "g_nir2rgb", ema: bool = True
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild one generator from a checkpoint's own config; returns (model in eval mode, metadata).

    The NIR→RGB generator comes with the checkpoint's EMA weights where it keeps them
    (`train.ema_decay`), unless `ema=False`; `meta["ema"]` says which was loaded."""
    state = load_checkpoint(path, map_location="cpu")
    try:
        mcfg = ModelConfig.model_validate(state["config"]["model"])
    except Exception as err:
        raise CheckpointError(f"{path}: its model config is invalid: {err}") from None
    cin, cout = (1, 3) if direction == "g_nir2rgb" else (3, 1)
    try:
        arch = resolve_arch(state["variant"], mcfg)
    except ValueError as err:
        raise CheckpointError(f"{path}: {err}") from None
    g = build_generator(arch, cin, cout, **generator_options(mcfg))
    use_ema = ema and direction == "g_nir2rgb" and "ema" in state
    weights = state["ema"]["g_nir2rgb"] if use_ema else state["models"][direction]
    try:
        g.load_state_dict(weights)
    except RuntimeError as err:
        raise CheckpointError(f"{path}: weights do not fit the {state['variant']} generator: {err}") from None
    meta = {k: state[k] for k in ("variant", "phase", "epoch", "complete")}
    meta["model"] = mcfg
    meta["scale"] = g.infer_scale = float(state.get("scale", 1.0))
    meta["trained_px"] = mcfg.image_size
    meta["ema"] = use_ema
    set_rule(g, mcfg)
    meta["flip_average"], meta["phase_average"], meta["tile_stride"] = g.flip_average, g.phase_average, g.tile_stride
    meta["chroma_scale"] = g.chroma_scale
    return g.to(device).eval(), meta


def set_rule(g: torch.nn.Module, model: ModelConfig) -> None:
    """Give a generator the inference rule's switches of a model config (`model.flip_average`,
    `model.phase_average`, `model.tile_stride` with its tile `model.image_size`), which `colorize`
    reads: the one place a checkpoint's, the validation curves' or an override's rule is attached."""
    g.flip_average = model.flip_average
    g.phase_average = model.phase_average
    g.tile_stride = model.tile_stride
    g.tile_size = model.image_size
    g.chroma_scale = model.chroma_scale


def _reflect_pad(x: Tensor, pad_h: int, pad_w: int) -> Tensor:
    """Pad bottom/right by reflection; repeat when the pad exceeds what one reflection allows."""
    while pad_h > 0 or pad_w > 0:
        step_h = min(pad_h, x.shape[-2] - 1)
        step_w = min(pad_w, x.shape[-1] - 1)
        if step_h == 0 and step_w == 0:  # a 1-pixel dimension cannot reflect
            return F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        x = F.pad(x, (0, step_w, 0, step_h), mode="reflect")
        pad_h -= step_h
        pad_w -= step_w
    return x


@torch.no_grad()
def translate(g: torch.nn.Module, images: Tensor, multiple: int) -> Tensor:
    """(B, C, H, W) in [0, 1], any H, W → generator output in [0, 1], same H, W."""
    h, w = images.shape[-2:]
    x = images * 2.0 - 1.0
    x = _reflect_pad(x, -h % multiple, -w % multiple)
    y = g(x)[..., :h, :w]
    return ((y + 1.0) / 2.0).clamp_(0.0, 1.0)


def tile_starts(length: int, tile: int, stride: int) -> list[int]:
    """Where tiles of `tile` px start along a side of `length` px: every `stride` px, the last
    flush with the far edge (one tile at 0 when the side is no longer than a tile)."""
    if tile < 1 or not 1 <= stride <= tile:
        raise ValueError(f"tiles need 1 <= stride <= tile, got tile {tile}, stride {stride}")
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile + 1, stride))
    return starts if starts[-1] == length - tile else [*starts, length - tile]


def _hann(n: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    # interior of an (n + 2)-point Hann window: positive everywhere, so every pixel has weight
    return torch.hann_window(n + 2, periodic=False, dtype=dtype, device=device)[1:-1]


@torch.no_grad()
def tiled_translate(g: torch.nn.Module, images: Tensor, tile: int, stride: int, chunk: int = 16) -> Tensor:
    """`translate` run on overlapping tile×tile windows of the image (`tile_starts` along each
    side) instead of the whole image; each output pixel is the Hann-weighted mean of the tiles
    that cover it (weights peak at a tile's centre, where it has the most context). An image no
    larger than a tile is translated whole. Tiles go through the generator `chunk` at a time."""
    h, w = images.shape[-2:]
    if h <= tile and w <= tile:
        return translate(g, images, g.size_multiple)
    th, tw = min(tile, h), min(tile, w)
    boxes = [(y, x) for y in tile_starts(h, tile, stride) for x in tile_starts(w, tile, stride)]
    weight = torch.outer(_hann(th, images.dtype, images.device), _hann(tw, images.dtype, images.device))
    b = images.shape[0]
    total = None  # (B, C_out, H, W), shaped by the generator's first output
    count = torch.zeros(1, 1, h, w, dtype=images.dtype, device=images.device)
    for i in range(0, len(boxes), chunk):
        part = boxes[i:i + chunk]
        crops = torch.cat([images[..., y:y + th, x:x + tw] for y, x in part])
        out = translate(g, crops, g.size_multiple)
        if total is None:
            total = out.new_zeros(b, out.shape[1], h, w)
        for k, (y, x) in enumerate(part):
            total[..., y:y + th, x:x + tw] += out[k * b:(k + 1) * b] * weight
            count[..., y:y + th, x:x + tw] += weight
    return total / count


def _translate_by_rule(g: torch.nn.Module, images: Tensor) -> Tensor:
    stride = int(getattr(g, "tile_stride", 0))
    if stride > 0:
        return tiled_translate(g, images, int(g.tile_size), stride)
    return translate(g, images, g.size_multiple)


def scaled_size(h: int, w: int, scale: float) -> tuple[int, int]:
    """The size an h×w image is colorized at by a generator of this scale."""
    return max(1, round(h * scale)), max(1, round(w * scale))


@torch.no_grad()
def colorize(g: torch.nn.Module, images: Tensor) -> Tensor:
    """The inference rule: (B, 1, H, W) NIR in [0, 1] → (B, 3, H, W) RGB in [0, 1], the generator
    applied at its training scale (`g.infer_scale`, set by `load_generator`; 1.0 when absent);
    where `g.flip_average` (`model.flip_average`), averaged with its output on the mirrored image;
    where `g.phase_average` = N > 1 (`model.phase_average`), that averaged over the N×N grid of
    1-px translations (`phase_average`). Each generator pass is on the whole (scaled) image, or
    where `g.tile_stride` > 0 (`model.tile_stride`) on overlapping tiles of its training size,
    blended (`tiled_translate`). Last, where `g.chroma_scale` = s < 1 (`model.chroma_scale`), each
    pixel's colour is scaled by s around its own grey (`scale_chroma`)."""
    n = int(getattr(g, "phase_average", 1))
    y = phase_average(g, images, shift_offsets(n, 1)) if n > 1 else _colorize_mirrored(g, images)
    return scale_chroma(y, float(getattr(g, "chroma_scale", 1.0)))


def scale_chroma(rgb: Tensor, s: float) -> Tensor:
    """(B, 3, H, W) RGB in [0, 1] with each pixel's colour scaled by s around its own grey l (the mean
    of its R, G, B): l + s·(rgb − l). Keeps each pixel's mean; s = 1 returns the input itself, s = 0
    the grey. For 0 <= s <= 1 the result stays in [0, 1] (a mix of the pixel and its grey)."""
    if s == 1.0:
        return rgb
    grey = rgb.mean(1, keepdim=True)
    return grey + s * (rgb - grey)


def _colorize_mirrored(g: torch.nn.Module, images: Tensor) -> Tensor:
    y = _colorize_once(g, images)
    if getattr(g, "flip_average", False):
        y = (y + _colorize_once(g, images.flip(-1)).flip(-1)) / 2.0
    return y


def shift_offsets(n: int, step: int) -> list[tuple[int, int]]:
    """The n×n grid of (dy, dx) offsets 0, step, …, (n − 1)·step that `shift_average` uses."""
    return [(dy * step, dx * step) for dy in range(n) for dx in range(n)]


@torch.no_grad()
def shift_average(g: torch.nn.Module, images: Tensor, offsets: list[tuple[int, int]]) -> Tensor:
    """Mean of the inference rule (`colorize`) over translated copies of the input: for each
    (dy, dx) the image is reflection-padded by dy rows on top and dx columns on the left,
    colorized, and cropped back. A translation-equivariant generator gives `colorize` itself;
    what the average removes is the output's dependence on where the image sits on the
    generator's stride grid (aliasing). A diagnostic (scripts/inference_knobs.py --shifts): no
    inference path uses it, since it costs one generator pass per offset."""
    if not offsets:
        raise ValueError("shift_average needs at least one offset")
    h, w = images.shape[-2:]
    total = None
    for dy, dx in offsets:
        if not (0 <= dy < h and 0 <= dx < w):
            raise ValueError(f"offset ({dy}, {dx}) outside a {h}×{w} image")
        x = F.pad(images, (dx, 0, dy, 0), mode="reflect") if dy or dx else images
        y = colorize(g, x)[..., dy:dy + h, dx:dx + w]
        total = y if total is None else total + y
    return total / len(offsets)


@torch.no_grad()
def phase_average(g: torch.nn.Module, images: Tensor, offsets: list[tuple[int, int]]) -> Tensor:
    """Mean of the single-pass rule (scale and mirrored average, no phase average) over
    translated copies of the input on the image's own canvas: for each (dy, dx) the image is moved
    dy rows down and dx columns right (the gap filled by reflection, the rows and columns pushed
    past the far edges dropped), colorized, and moved back; each output pixel is the mean over the
    passes that saw it (every pixel is seen by the (0, 0) pass). Unlike `shift_average`, the
    generator's canvas keeps the image's size, so the average changes only where the image sits on
    the stride grid, not how much context (padding) the generator gets. `colorize` uses it with the
    N×N grid of 1-px offsets where `model.phase_average` = N > 1; one generator pass per offset."""
    if not offsets:
        raise ValueError("phase_average needs at least one offset")
    h, w = images.shape[-2:]
    total = torch.zeros(images.shape[0], 3, h, w, dtype=images.dtype, device=images.device)
    count = torch.zeros(1, 1, h, w, dtype=images.dtype, device=images.device)
    for dy, dx in offsets:
        if not (0 <= dy < h and 0 <= dx < w):
            raise ValueError(f"offset ({dy}, {dx}) outside a {h}×{w} image")
        x = F.pad(images, (dx, 0, dy, 0), mode="reflect")[..., :h, :w] if dy or dx else images
        y = _colorize_mirrored(g, x)
        total[..., : h - dy, : w - dx] += y[..., dy:, dx:]
        count[..., : h - dy, : w - dx] += 1
    return total / count


def _colorize_once(g: torch.nn.Module, images: Tensor) -> Tensor:
    scale = float(getattr(g, "infer_scale", 1.0))
    h, w = images.shape[-2:]
    sh, sw = scaled_size(h, w, scale)
    if (sh, sw) == (h, w):
        return _translate_by_rule(g, images)
    if sh < h and sw < w:
        small = F.interpolate(images, size=(sh, sw), mode="area")
    else:
        small = F.interpolate(images, size=(sh, sw), mode="bicubic", align_corners=False).clamp_(0, 1)
    y = _translate_by_rule(g, small)
    if sh > h and sw > w:  # trained enlarged (crop_scale): area averaging back, no aliasing
        return F.interpolate(y, size=(h, w), mode="area")
    return F.interpolate(y, size=(h, w), mode="bicubic", align_corners=False).clamp_(0.0, 1.0)


def score_outputs(stems, outputs: np.ndarray, targets: np.ndarray, batch_size: int = 6) -> pd.DataFrame:
    """Table I rows (PSNR/SSIM/AE per image + average) of uint8 outputs against uint8 targets,
    both (N, H, W, 3); for colorizers that are not generators (the reference rows)."""
    scores: dict[str, list[Tensor]] = {"psnr": [], "ssim": [], "ae": []}
    for start in range(0, len(outputs), batch_size):
        sl = slice(start, start + batch_size)
        pred = torch.from_numpy(np.array(outputs[sl])).permute(0, 3, 1, 2).double().div(255.0)
        target = torch.from_numpy(np.array(targets[sl])).permute(0, 3, 1, 2).double().div(255.0)
        for key, v in evaluate_batch(pred, target).items():
            scores[key].append(v)
    return metrics_table(list(stems), *(torch.cat(scores[k]).numpy() for k in ("psnr", "ssim", "ae")))


def score_references(val: PairArrays, lookup: np.ndarray) -> dict[str, pd.DataFrame]:
    """Table I rows of the floors (`references.REFERENCES`) on the validation pairs."""
    from nircolor.references import REFERENCES, reference_outputs

    nir, rgb = np.asarray(val.nir), np.asarray(val.rgb)
    return {name: score_outputs(val.stems, reference_outputs(name, nir, lookup), rgb) for name in REFERENCES}


def colorize_array(g: torch.nn.Module, nir: np.ndarray, device: str | torch.device = "cpu") -> np.ndarray:
    """uint8 NIR (H, W) → uint8 RGB (H, W, 3); InputTooLarge above MAX_INFER_PIXELS."""
    reason = infer_size_problem(*np.shape(nir)[:2])
    if reason is not None:
        raise InputTooLarge(reason)
    x = torch.from_numpy(np.array(nir)).float().div_(255.0)[None, None].to(device)
    y = colorize(g, x)[0]
    return (y.permute(1, 2, 0) * 255.0).round_().to(torch.uint8).cpu().numpy()


def evaluate_generator(
    g: torch.nn.Module,
    val: PairArrays,
    device: str | torch.device = "cpu",
    *,
    batch_size: int = 6,
    on_batch: Callable[[int, int], None] | None = None,
    rule: Callable[[torch.nn.Module, Tensor], Tensor] = colorize,
) -> tuple[pd.DataFrame, np.ndarray]:
    """PSNR/SSIM/AE per validation image (Table I layout) and the colorized images (N, H, W, 3) uint8.

    Colorized by the inference rule (`colorize`; `rule` replaces it for diagnostics such as
    `shift_average`) at the pairs' own size; metrics are computed on the 8-bit outputs, as a
    submitted PNG would be scored.
    """
    outputs = []
    for start in range(0, len(val), batch_size):
        nir = torch.from_numpy(np.array(val.nir[start : start + batch_size]))  # copy: packs are read-only maps
        y = rule(g, nir.float().div(255.0).unsqueeze(1).to(device))
        outputs.append((y * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
        if on_batch is not None:
            on_batch(min(start + batch_size, len(val)), len(val))
    images = np.concatenate(outputs) if outputs else np.zeros((0, *val.rgb.shape[1:]), np.uint8)
    table = score_outputs(val.stems, images, val.rgb, batch_size)
    return table, images
