"""Figures as uint8 arrays: titled image grids, the paper's Fig. 3 layout, augmentation previews, PNG saving."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from nircolor.data.io import write_png

if TYPE_CHECKING:  # albumentations and cv2 are heavy; only augmentation_preview needs them
    import albumentations as A

    from nircolor.augment import AppliedParams

__all__ = [
    "FIG3_COLUMNS",
    "fig3_columns",
    "FONT_SIZE",
    "PREVIEW_COLUMNS",
    "TEXT_COLOR",
    "augmentation_preview",
    "describe_params",
    "fig3_grid",
    "image_grid",
    "line_height",
    "save_png",
    "text_width",
]

FONT_SIZE = 12
TEXT_COLOR = (32, 32, 32)
FIG3_COLUMNS = ("NIR", "baseline", "dense", "ground truth")
PREVIEW_COLUMNS = ("NIR in", "RGB in", "NIR augmented", "RGB augmented")


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    # Pillow's embedded font (Aileron via FreeType, or its bitmap font without FreeType): nothing
    # is read from disk or the network, so the pixels depend only on the Pillow build.
    try:
        return ImageFont.load_default(size=FONT_SIZE)
    except TypeError:  # Pillow < 10.1 has no size argument
        return ImageFont.load_default()


def _drawable(text: str) -> str:
    # The bitmap fallback font is Latin-1 only (Pillow raises on anything else); with FreeType a
    # character the font lacks draws as a box, which is at least visible.
    if isinstance(_font(), ImageFont.FreeTypeFont):
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def text_width(text: str) -> int:
    """Width in pixels that `text` takes in the grid's font (the layout reserves exactly this)."""
    return math.ceil(_font().getlength(_drawable(text)))


def line_height() -> int:
    """Height in pixels of one line of title text (ascent + descent of the grid's font)."""
    font = _font()
    if isinstance(font, ImageFont.FreeTypeFont):
        ascent, descent = font.getmetrics()
        return ascent + descent
    return font.getbbox("Ag|")[3]


def _as_rgb(cell: np.ndarray, scale: int) -> np.ndarray:
    cell = np.asarray(cell)
    if cell.dtype != np.uint8:
        raise ValueError(f"grid cells must be uint8, got {cell.dtype}")
    if cell.ndim == 3 and cell.shape[2] == 1:
        cell = cell[:, :, 0]
    if cell.ndim == 2:
        cell = np.repeat(cell[:, :, None], 3, axis=2)
    if cell.ndim != 3 or cell.shape[2] != 3:
        raise ValueError(f"grid cells must be (h, w) grey or (h, w, 3) RGB, got {cell.shape}")
    if scale != 1:
        cell = np.repeat(np.repeat(cell, scale, axis=0), scale, axis=1)
    return cell


def image_grid(
    cells: Sequence[Sequence[np.ndarray | None]],
    *,
    col_titles: Sequence[str] | None = None,
    row_titles: Sequence[str] | None = None,
    pad: int = 4,
    scale: int = 1,
    background: int | tuple[int, int, int] = 255,
) -> np.ndarray:
    """Lay out images in rows and columns with optional titles: uint8 (H, W, 3).

    Cells are uint8 (h, w) grey (shown as RGB) or (h, w, 3); a None cell is left blank. Every
    image is upscaled `scale`× by pixel repetition. Layout, all in pixels after scaling:

        W = pad + [row_label + pad] + Σ col_w + pad·(cols − 1) + pad
        H = pad + [line_height() + pad] + Σ row_h + pad·(rows − 1) + pad

    with row_label = max `text_width` of the row titles, col_w = max(widest cell in the column,
    `text_width` of its title), row_h = tallest cell in the row (at least `line_height()` when
    rows have titles). A cell sits centred in its slot ((slot − size) // 2 on each axis); column
    titles are centred above their column, row titles left-aligned and vertically centred.
    Bracketed terms exist only with titles.
    """
    rows = [list(r) for r in cells]
    if not rows or not rows[0]:
        raise ValueError("image_grid needs at least one row and one column")
    n_cols = len(rows[0])
    if any(len(r) != n_cols for r in rows):
        raise ValueError(f"every row needs {n_cols} cells, got {[len(r) for r in rows]}")
    if col_titles is not None and len(col_titles) != n_cols:
        raise ValueError(f"{len(col_titles)} column titles for {n_cols} columns")
    if row_titles is not None and len(row_titles) != len(rows):
        raise ValueError(f"{len(row_titles)} row titles for {len(rows)} rows")
    if not (isinstance(scale, int) and scale >= 1):
        raise ValueError(f"scale must be an integer ≥ 1, got {scale!r}")
    if pad < 0:
        raise ValueError(f"pad must be ≥ 0, got {pad}")

    images = [[None if c is None else _as_rgb(c, scale) for c in r] for r in rows]
    col_w = [max((c.shape[1] for c in col if c is not None), default=0) for col in zip(*images)]
    row_h = [max((c.shape[0] for c in r if c is not None), default=0) for r in images]
    if col_titles is not None:
        col_w = [max(w, text_width(t)) for w, t in zip(col_w, col_titles)]
    if row_titles is not None:  # a row of tiny images still fits its title's line
        row_h = [max(h, line_height()) for h in row_h]
    label_w = max(map(text_width, row_titles)) + pad if row_titles is not None else 0
    title_h = line_height() + pad if col_titles is not None else 0

    x0 = pad + label_w
    y0 = pad + title_h
    xs = [x0 + sum(col_w[:j]) + pad * j for j in range(n_cols)]
    ys = [y0 + sum(row_h[:i]) + pad * i for i in range(len(rows))]
    width = xs[-1] + col_w[-1] + pad
    height = ys[-1] + row_h[-1] + pad

    fill = (background,) * 3 if isinstance(background, (int, np.integer)) else tuple(background)
    canvas = Image.new("RGB", (width, height), tuple(int(v) for v in fill))
    draw = ImageDraw.Draw(canvas)
    font = _font()
    if col_titles is not None:
        for x, w, title in zip(xs, col_w, col_titles):
            draw.text((x + (w - text_width(title)) // 2, pad), _drawable(title), fill=TEXT_COLOR, font=font)
    if row_titles is not None:
        for y, h, title in zip(ys, row_h, row_titles):
            draw.text((pad, y + (h - line_height()) // 2), _drawable(title), fill=TEXT_COLOR, font=font)

    # Pixels go in after the text, so a title can never paint over an image.
    out = np.array(canvas, dtype=np.uint8)
    for i, row in enumerate(images):
        for j, cell in enumerate(row):
            if cell is None:
                continue
            h, w = cell.shape[:2]
            top = ys[i] + (row_h[i] - h) // 2
            left = xs[j] + (col_w[j] - w) // 2
            out[top : top + h, left : left + w] = cell
    return out


def fig3_grid(
    names: Sequence[str],
    nir: np.ndarray,
    baseline: np.ndarray | None,
    dense: np.ndarray | None,
    truth: np.ndarray,
    *,
    scale: int = 1,
) -> np.ndarray:
    """The paper's Fig. 3: a row per validation image, columns NIR | baseline | dense | ground truth.

    nir (N, H, W) uint8; baseline, dense, truth (N, H, W, 3) uint8. A None variant's column is
    left out, so a run with one trained variant still gets its figure.
    """
    n = len(names)
    columns = [(FIG3_COLUMNS[0], nir)]
    columns += [(t, a) for t, a in zip(FIG3_COLUMNS[1:3], (baseline, dense)) if a is not None]
    columns.append((FIG3_COLUMNS[3], truth))
    for title, array in columns:
        if len(array) != n:
            raise ValueError(f"{title}: {len(array)} images for {n} names")
    cells = [[array[i] for _, array in columns] for i in range(n)]
    return image_grid(cells, col_titles=[t for t, _ in columns], row_titles=list(names), scale=scale)


def fig3_columns(
    names: Sequence[str],
    nir: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    truth: np.ndarray,
    *,
    scale: int = 1,
) -> np.ndarray:
    """Fig. 3 for any set of colorizers: columns NIR | each of `outputs` in order | ground truth."""
    n = len(names)
    columns = [("NIR", nir), *outputs.items(), ("ground truth", truth)]
    for title, array in columns:
        if len(array) != n:
            raise ValueError(f"{title}: {len(array)} images for {n} names")
    cells = [[array[i] for _, array in columns] for i in range(n)]
    return image_grid(cells, col_titles=[t for t, _ in columns], row_titles=list(names), scale=scale)


def describe_params(params: AppliedParams) -> str:
    """One line for what an augmentation call drew, e.g. "crop 12,3-212,203 alpha=1.21, flip".

    ASCII on purpose: Pillow's embedded font has no Greek glyphs, so "α" would draw as a box.
    """
    parts = []
    if params.crop_box is not None:
        x0, y0, x1, y1 = params.crop_box
        parts.append(f"crop {x0},{y0}-{x1},{y1}")
    if params.alpha is not None:
        parts.append(f"alpha={params.alpha:.2f}")
    geometry = " ".join(parts) if parts else "no crop/contrast"
    return f"{geometry}, {'flip' if params.flip else 'no flip'}"


def augmentation_preview(
    aug: A.Compose,
    nir: np.ndarray,
    rgb: np.ndarray,
    *,
    n: int = 8,
    seed: int = 0,
    scale: int = 1,
) -> np.ndarray:
    """n augmented samples beside their inputs: rows NIR in | RGB in | NIR augmented | RGB augmented.

    `aug` comes from `nircolor.augment.build_augmentation`; it is reseeded with `seed` (so the
    same seed shows the same draws) and pairs are taken in order from nir (N, H, W) and
    rgb (N, H, W, 3), cycling when n > N. Each row's title says what was drawn for it.
    """
    from nircolor.augment import augment_pair_with_params, reseed

    if len(nir) != len(rgb) or len(nir) == 0:
        raise ValueError(f"need equal, non-zero numbers of NIR and RGB images, got {len(nir)} and {len(rgb)}")
    if n < 1:
        raise ValueError(f"n must be ≥ 1, got {n}")
    reseed(aug, seed)
    cells, titles = [], []
    for i in range(n):
        j = i % len(nir)
        nir_aug, rgb_aug, params = augment_pair_with_params(aug, nir[j], rgb[j])
        cells.append([nir[j], rgb[j], nir_aug, rgb_aug])
        titles.append(describe_params(params))
    return image_grid(cells, col_titles=PREVIEW_COLUMNS, row_titles=titles, scale=scale)


def save_png(path: str | os.PathLike[str], image: np.ndarray) -> Path:
    """Write a figure as PNG atomically; the same array always gives the same bytes (no metadata)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_png(path, image)
    return path
