"""Synthetic NIR/RGB scenes in the challenge layout: physically motivated stand-ins for the real data.

Each scene is a map of materials (sky, vegetation, water, rock, …) painted with horizon lines,
ridges, tree crowns and field parcels. Every material has a reflectance in R, G, B and NIR taken
from the shape of real spectra: chlorophyll makes vegetation dark in red and blue but very bright
in NIR (the "red edge"), water absorbs NIR almost completely, Rayleigh scattering makes the sky
bright in blue and dim in NIR, haze veils distant ridges in RGB far more than in NIR. Brightness
texture and illumination are shared by both cameras, so NIR → RGB is learnable from local
structure and context, but not a per-pixel lookup: grass, snow and cloud are all bright in NIR.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from nircolor.config import CHALLENGE_ONLINE, CHALLENGE_PAIRS, CHALLENGE_VAL
from nircolor.data.io import write_png
from nircolor.data.layout import (
    NIR_DIR,
    ONLINE_DIR,
    RGB_DIR,
    SYNTHETIC_LABEL,
    VAL_DIR,
    DatasetIndex,
    validate_dataset,
)

SYNTH_VERSION = "1"

CATEGORIES = ("country", "field", "forest", "mountain")
# The real challenge split (country 84, field 94, forest 100, mountain 94 of 372).
CATEGORY_WEIGHTS = (84, 94, 100, 94)

# zlib level 1 writes 3× faster than 6 for ~15% larger files; part of the byte-exact output.
PNG_LEVEL = 1

# Split ids go into every image's seed, so that no validation or unpaired image repeats a training one.
SPLIT_TRAIN, SPLIT_ONLINE, SPLIT_VAL = 0, 1, 2

MATERIALS = (
    "sky", "cloud", "grass", "deciduous", "conifer", "crop", "wheat", "soil",
    "rock", "snow", "water", "wall", "roof", "road", "bark", "window",
)  # fmt: skip
M = {name: i for i, name in enumerate(MATERIALS)}
VEGETATION = ("grass", "deciduous", "conifer", "crop")

# Reflectances in display units (0…1): two end members per material, (R, G, B, NIR) each, mixed
# per pixel by a smooth field (lush ↔ dry grass, green ↔ ripe crop, dry ↔ wet soil, …).
_ENDMEMBERS = {
    "sky": ((0.30, 0.50, 0.85, 0.22), (0.70, 0.80, 0.92, 0.40)),  # zenith, horizon
    "cloud": ((0.95, 0.95, 0.96, 0.92), (0.78, 0.80, 0.84, 0.74)),
    "grass": ((0.30, 0.45, 0.16, 0.80), (0.52, 0.50, 0.28, 0.62)),
    "deciduous": ((0.20, 0.34, 0.12, 0.76), (0.30, 0.42, 0.15, 0.86)),
    "conifer": ((0.10, 0.19, 0.10, 0.52), (0.15, 0.25, 0.12, 0.62)),
    "crop": ((0.32, 0.52, 0.18, 0.86), (0.45, 0.58, 0.22, 0.76)),
    "wheat": ((0.80, 0.70, 0.40, 0.62), (0.68, 0.55, 0.30, 0.52)),
    "soil": ((0.47, 0.35, 0.25, 0.42), (0.30, 0.22, 0.16, 0.30)),
    "rock": ((0.54, 0.54, 0.54, 0.56), (0.46, 0.42, 0.38, 0.50)),
    "snow": ((0.93, 0.95, 0.98, 0.80), (0.84, 0.88, 0.94, 0.70)),
    "water": ((0.08, 0.16, 0.26, 0.04), (0.14, 0.24, 0.30, 0.08)),
    "wall": ((0.82, 0.79, 0.72, 0.66), (0.76, 0.66, 0.50, 0.60)),
    "roof": ((0.62, 0.25, 0.17, 0.56), (0.30, 0.30, 0.33, 0.30)),  # red tile, slate
    "road": ((0.32, 0.32, 0.33, 0.30), (0.56, 0.51, 0.43, 0.48)),  # asphalt, gravel
    "bark": ((0.28, 0.20, 0.14, 0.36), (0.36, 0.31, 0.26, 0.42)),
    "window": ((0.07, 0.08, 0.10, 0.08), (0.12, 0.13, 0.16, 0.12)),
}
_E0 = np.array([_ENDMEMBERS[m][0] for m in MATERIALS], np.float32)
_E1 = np.array([_ENDMEMBERS[m][1] for m in MATERIALS], np.float32)
# Brightness texture per material: (fine, medium) amplitudes.
_TEXTURE = np.array(
    [(0.0, 0.0), (0.0, 0.0), (0.25, 0.15), (0.30, 0.35), (0.35, 0.35), (0.15, 0.10), (0.12, 0.10),
     (0.20, 0.15), (0.30, 0.25), (0.04, 0.06), (0.04, 0.05), (0.05, 0.05), (0.08, 0.06),
     (0.08, 0.05), (0.25, 0.10), (0.05, 0.02)],
    np.float32,
)  # fmt: skip
# NIR light scatters many times inside a canopy, so shadows between leaves are shallower in NIR.
_NIR_TEXTURE_GAIN = np.array([0.6 if m in VEGETATION else 1.0 for m in MATERIALS], np.float32)
# White things stay white: their per-image drift is brightness only.
_HUE_JITTER = np.array([0.0 if m in ("cloud", "snow") else 1.0 for m in MATERIALS])
# Haze scatters short wavelengths far more than NIR.
_NIR_HAZE = 0.3


@dataclass(frozen=True)
class Scene:
    """One rendered scene: the two images and the material of every pixel (index into MATERIALS)."""

    nir: np.ndarray  # (H, W) uint8
    rgb: np.ndarray  # (H, W, 3) uint8
    materials: np.ndarray  # (H, W) uint8


# ---------------------------------------------------------------------------------------------
# Noise: value noise summed over octaves, all gathers and lerps (no BLAS), so results are exact
# IEEE float32 arithmetic and the same on every machine.


@lru_cache(maxsize=128)
def _axis(size: int, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pos = (np.arange(size, dtype=np.float64) + 0.5) * (cells / size)
    i0 = np.floor(pos).astype(np.intp)
    t = pos - i0
    t = t * t * (3.0 - 2.0 * t)  # smoothstep: no grid-aligned creases
    return i0, (1.0 - t).astype(np.float32), t.astype(np.float32)


def _noise2d(rng: np.random.Generator, size: int, cells: int, cells_x: int | None = None) -> np.ndarray:
    """Value noise in [0, 1) on a grid of ``cells`` down by ``cells_x`` (default: the same) across."""
    cells_x = cells if cells_x is None else cells_x
    grid = rng.random((cells + 1, cells_x + 1), dtype=np.float32)
    iy, wy0, wy1 = _axis(size, cells)
    ix, wx0, wx1 = _axis(size, cells_x)
    rows = grid[:, ix] * wx0 + grid[:, ix + 1] * wx1
    return rows[iy] * wy0[:, None] + rows[iy + 1] * wy1[:, None]


def _fbm(rng: np.random.Generator, size: int, cells: int, octaves: int, gain: float = 0.5) -> np.ndarray:
    """Fractal noise, zero-centred, roughly in [-0.5, 0.5]; octaves finer than 2 px are dropped."""
    total = np.zeros((size, size), np.float32)
    amp, norm = 1.0, 0.0
    cells = min(cells, size // 2)
    for _ in range(octaves):
        if cells > size // 2:
            break
        total += np.float32(amp) * (_noise2d(rng, size, cells) - np.float32(0.5))
        norm += amp
        amp *= gain
        cells *= 2
    return total / np.float32(norm)


def _fbm1d(rng: np.random.Generator, size: int, cells: int, octaves: int, gain: float = 0.5) -> np.ndarray:
    total = np.zeros(size, np.float32)
    amp, norm = 1.0, 0.0
    cells = min(cells, size // 2)
    for _ in range(octaves):
        if cells > size // 2:
            break
        grid = rng.random(cells + 1, dtype=np.float32) - np.float32(0.5)
        i0, w0, w1 = _axis(size, cells)
        total += np.float32(amp) * (grid[i0] * w0 + grid[i0 + 1] * w1)
        norm += amp
        amp *= gain
        cells *= 2
    return total / np.float32(norm)


def _sample(grid: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Bilinear (smoothstep) lookup of a periodic grid at arbitrary coordinates in cell units."""
    n = grid.shape[0]
    fu, fv = np.floor(u), np.floor(v)
    tu, tv = u - fu, v - fv
    tu = tu * tu * (3 - 2 * tu)
    tv = tv * tv * (3 - 2 * tv)
    iu = fu.astype(np.intp) % n
    iv = fv.astype(np.intp) % n
    iu1, iv1 = (iu + 1) % n, (iv + 1) % n
    top = grid[iv, iu] * (1 - tu) + grid[iv, iu1] * tu
    bottom = grid[iv1, iu] * (1 - tu) + grid[iv1, iu1] * tu
    return top * (1 - tv) + bottom * tv


def _smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - np.float32(lo)) / np.float32(hi - lo), 0, 1)
    return t * t * (3 - 2 * t)


# ---------------------------------------------------------------------------------------------
# Canvas: the material map plus the per-pixel terms shared by both cameras.


class _Canvas:
    def __init__(self, rng: np.random.Generator, size: int) -> None:
        self.rng = rng
        self.size = size
        coords = ((np.arange(size, dtype=np.float32) + np.float32(0.5)) / np.float32(size))
        self.x = coords[None, :]  # (1, W), 0…1 left → right
        self.y = coords[:, None]  # (H, 1), 0…1 top → bottom
        self.label = np.full((size, size), M["grass"], np.uint8)
        self.shade = np.ones((size, size), np.float32)  # illumination × object tone, both cameras
        self.depth = np.zeros((size, size), np.float32)  # 0 near … 1 at the horizon, for haze
        self.cloud = np.zeros((size, size), np.float32)  # cloud opacity over the sky
        # A shared rough field: ragged edges of crowns, shorelines, snow lines.
        self.edge = _fbm(rng, size, 8, 4)

    def paint(self, mask: np.ndarray, material: str, depth: float | np.ndarray | None = None) -> None:
        self.label[mask] = M[material]
        if depth is not None:
            self.depth[mask] = depth[mask] if isinstance(depth, np.ndarray) else depth

    def box(self, x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice]:
        """Pixel slices covering the fractional box (clipped to the image)."""
        s = self.size
        r0, r1 = max(0, int(y0 * s)), min(s, int(np.ceil(y1 * s)) + 1)
        c0, c1 = max(0, int(x0 * s)), min(s, int(np.ceil(x1 * s)) + 1)
        return slice(r0, max(r0, r1)), slice(c0, max(c0, c1))


def _horizon(c: _Canvas, level: float, roughness: float) -> np.ndarray:
    """Per-column horizon height (fraction from the top), gently undulating."""
    return np.float32(level) + np.float32(roughness) * _fbm1d(c.rng, c.size, 2, 4)


def _ground_depth(c: _Canvas, horizon: np.ndarray) -> np.ndarray:
    """0 at the bottom edge → 1 at the horizon, from a flat ground seen in perspective."""
    below = np.maximum(c.y - horizon[None, :], np.float32(1e-3))
    return np.clip(np.float32(0.04) / (below + np.float32(0.04)), 0, 1)


def _ground_coords(c: _Canvas, horizon: np.ndarray, vanish_x: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates on a flat ground plane: across (converging at the vanishing point) and along."""
    below = np.maximum(c.y - horizon[None, :], np.float32(2e-3))
    return (c.x - np.float32(vanish_x)) / below, np.float32(1.0) / below


def _sky(c: _Canvas, horizon: np.ndarray, depth: float = 1.0) -> np.ndarray:
    mask = c.y < horizon[None, :]
    c.paint(mask, "sky", depth)
    rng = c.rng
    cloudiness = rng.uniform(-0.25, 0.35)  # from clear to mostly overcast
    cover = _fbm(rng, c.size, 3, 5, gain=0.55) + np.float32(cloudiness) * np.float32(0.6)
    opacity = _smoothstep(0.06, 0.2, cover)
    c.cloud[mask] = opacity[mask]
    c.paint(mask & (opacity > 0.5), "cloud")
    return mask


def _tree_line(c: _Canvas, horizon: np.ndarray, height: float, kind: str, depth: float) -> None:
    bumps = np.abs(_fbm1d(c.rng, c.size, max(8, c.size // 8), 2))
    top = horizon - np.float32(height) * (np.float32(0.5) + bumps * np.float32(2.0))
    mask = (c.y >= top[None, :]) & (c.y < horizon[None, :] + np.float32(0.01))
    c.paint(mask, kind, depth)
    # Crowns at the top of the line catch the sun; the base stays in shadow.
    rel = np.clip((c.y - top[None, :]) / np.float32(max(height, 1e-3) * 2.5), 0, 1)
    c.shade[mask] *= (np.float32(1.05) - np.float32(0.35) * rel)[mask]


def _tree(c: _Canvas, cx: float, base: float, height: float, kind: str, depth: float, sun: float) -> None:
    """One tree standing on ``base``: trunk, then a round (deciduous) or conical (conifer) crown."""
    rng = c.rng
    width = height * (0.55 if kind == "conifer" else rng.uniform(0.6, 0.95))
    trunk_w = max(width * 0.10, 1.2 / c.size)
    crown_bottom = base - height * (0.12 if kind == "conifer" else rng.uniform(0.25, 0.4))
    top = base - height
    rows, cols = c.box(cx - trunk_w, cx + trunk_w, crown_bottom - 0.02, base)
    trunk = np.abs(c.x[:, cols] - np.float32(cx)) < np.float32(trunk_w / 2)
    trunk = trunk & (c.y[rows] < np.float32(base)) & (c.y[rows] > np.float32(crown_bottom - 0.02))
    c.label[rows, cols][trunk] = M["bark"]
    c.depth[rows, cols][trunk] = depth
    rows, cols = c.box(cx - width / 2 - 0.02, cx + width / 2 + 0.02, top - 0.02, crown_bottom + 0.02)
    dx = (c.x[:, cols] - np.float32(cx)) / np.float32(width / 2)
    rough = c.edge[rows, cols]
    if kind == "conifer":
        along = (c.y[rows] - np.float32(top)) / np.float32(crown_bottom - top)
        tiers = along * np.float32(rng.integers(4, 8))
        saw = np.float32(0.55) + np.float32(0.45) * (tiers - np.floor(tiers))  # branch tiers
        crown = (np.abs(dx) < along * saw + rough * np.float32(0.6)) & (along >= 0) & (along <= 1)
        lit = np.float32(0.95) + np.float32(0.25) * dx * np.float32(sun) - np.float32(0.15) * along
    else:
        cy = (top + crown_bottom) / 2
        dy = (c.y[rows] - np.float32(cy)) / np.float32((crown_bottom - top) / 2)
        r2 = dx * dx + dy * dy
        crown = r2 < np.float32(1.0) + rough * np.float32(2.0)
        lit = np.float32(1.0) + np.float32(0.25) * (dx * np.float32(sun) - dy) - np.float32(0.2) * np.clip(r2, 0, 1)
    c.label[rows, cols][crown] = M[kind]
    c.depth[rows, cols][crown] = depth
    tone = np.float32(rng.uniform(0.8, 1.15))
    c.shade[rows, cols][crown] = (np.clip(lit, 0.5, 1.3) * tone)[crown]


def _house(c: _Canvas, cx: float, base: float, height: float, depth: float, sun: float) -> None:
    rng = c.rng
    width = height * rng.uniform(1.2, 2.2)
    wall_top = base - height * 0.6
    top = base - height
    rows, cols = c.box(cx - width / 2, cx + width / 2, top, base)
    x = c.x[:, cols] - np.float32(cx)
    y = c.y[rows]
    inside = (np.abs(x) < np.float32(width / 2)) & (y < np.float32(base))
    wall = inside & (y >= np.float32(wall_top))
    # Gable roof: a triangle over the full width of the wall.
    pitch = np.float32((wall_top - top) / (width / 2))
    under_roof = (np.float32(wall_top) - y) < (np.float32(width / 2) - np.abs(x)) * pitch
    roof = inside & (y < np.float32(wall_top)) & under_roof
    c.label[rows, cols][wall] = M["wall"]
    c.label[rows, cols][roof] = M["roof"]
    n_win = int(rng.integers(1, 5))
    gx = (x / np.float32(width) + np.float32(0.5)) * np.float32(n_win)
    gy = (y - np.float32(wall_top)) / np.float32(base - wall_top)
    fx = gx - np.floor(gx)
    window = wall & (np.abs(fx - 0.5) < 0.18) & (gy > 0.25) & (gy < 0.6)
    c.label[rows, cols][window] = M["window"]
    c.depth[rows, cols][inside] = depth
    side = np.where(x * np.float32(sun) > 0, np.float32(1.1), np.float32(0.85))  # lit and shaded roof halves
    c.shade[rows, cols][roof] = np.broadcast_to(side, roof.shape)[roof]


def _water(c: _Canvas, mask: np.ndarray, depth: float | np.ndarray) -> None:
    c.paint(mask, "water", depth)
    # Ripples seen at a grazing angle: streaks long across, short down the image.
    ripples = _noise2d(c.rng, c.size, c.size // 4, c.size // 32) - np.float32(0.5)
    c.shade[mask] *= (np.float32(1.0) + np.float32(0.15) * ripples)[mask]


def _scene_country(c: _Canvas, sun: float) -> None:
    rng = c.rng
    level = rng.uniform(0.25, 0.5) if rng.random() > 0.15 else -0.05
    horizon = _horizon(c, level, 0.08)
    depth = _ground_depth(c, horizon)
    c.depth[:] = depth
    u, v = _ground_coords(c, horizon, rng.uniform(0.2, 0.8))
    grid = rng.random((16, 16), dtype=np.float32)
    patches = _sample(grid, u * np.float32(0.6), v * np.float32(0.25)) + c.edge * np.float32(0.3)
    ground = c.y >= horizon[None, :]
    c.paint(ground, "grass")
    c.paint(ground & (patches > 0.72), "soil")
    c.paint(ground & (patches < 0.18), "crop")
    if rng.random() < 0.6:
        # A road converging on the horizon, width shrinking with distance.
        rx = rng.uniform(0.2, 0.8)
        slope = rng.uniform(-0.8, 0.8)
        below = c.y - horizon[None, :]
        centre = np.float32(rx) + np.float32(slope) * below
        road = ground & (np.abs(c.x - centre) < np.float32(0.06) * below + np.float32(0.002))
        c.paint(road, "road")
    if rng.random() < 0.3:
        wy, wx = rng.uniform(0.1, 0.5), rng.uniform(0.1, 0.9)
        lake_y = horizon[None, :] + np.float32(wy) * (np.float32(1.0) - horizon[None, :])
        px, py = (c.x - np.float32(wx)) / np.float32(0.35), (c.y - lake_y) / np.float32(0.08)
        pond = ground & (px * px + py * py < 1 + c.edge)
        _water(c, pond, depth)
    _sky(c, horizon)
    if level > 0:
        _tree_line(c, horizon, rng.uniform(0.02, 0.06), "deciduous", 0.95)
    objects = []
    for _ in range(int(rng.integers(0, 5))):
        objects.append(("house", rng.uniform(0.05, 0.95), rng.uniform(0.02, 0.35)))
    for _ in range(int(rng.integers(2, 10))):
        objects.append(("tree", rng.uniform(0.0, 1.0), rng.uniform(0.02, 0.9)))
    for kind, x, rel in sorted(objects, key=lambda o: o[2]):  # far to near
        col = min(c.size - 1, int(x * c.size))
        base = float(horizon[col]) + rel * (1.0 - float(horizon[col]))
        scale = base - float(horizon[col])
        d = float(np.clip(0.04 / (scale + 0.04), 0, 1))
        if kind == "house":
            _house(c, x, base, scale * rng.uniform(0.35, 0.6) + 0.02, d, sun)
        else:
            tree_kind = "conifer" if rng.random() < 0.25 else "deciduous"
            _tree(c, x, base, scale * rng.uniform(0.8, 1.6) + 0.03, tree_kind, d, sun)


def _scene_field(c: _Canvas, sun: float) -> None:
    rng = c.rng
    level = rng.uniform(0.25, 0.55) if rng.random() > 0.1 else -0.05
    horizon = _horizon(c, level, 0.03)
    c.depth[:] = _ground_depth(c, horizon)
    vanish = rng.uniform(0.1, 0.9)
    below = np.maximum(c.y - horizon[None, :], np.float32(1e-3))
    # Parcels narrower than a few pixels would alias into moiré; far away they stop converging.
    u = (c.x - np.float32(vanish)) / np.maximum(below, np.float32(0.08))
    v = np.float32(1) / np.maximum(below, np.float32(0.03))
    ground = c.y >= horizon[None, :]
    # Parcels: strips across (converging lines) and bands along (lines parallel to the horizon).
    n = 8
    table = rng.choice(
        np.array([M["crop"], M["wheat"], M["soil"], M["grass"]], np.uint8), size=(n, n), p=[0.35, 0.3, 0.2, 0.15]
    )
    across_freq = np.float32(rng.uniform(0.8, 2.0))
    across = u * across_freq + np.float32(rng.uniform(0, 8))
    along = v * np.float32(rng.uniform(0.03, 0.1))
    iu = np.floor(across).astype(np.intp) % n
    iv = np.floor(along).astype(np.intp) % n
    parcel = table[iv, iu]
    c.label[ground] = parcel[ground]
    # Crop rows: fine stripes along the converging direction, fading out where they alias.
    rows_freq = np.float32(rng.uniform(6, 14))
    phase = across * rows_freq
    tri = np.abs(np.float32(2) * (phase - np.floor(phase)) - np.float32(1))
    spacing = below / (across_freq * rows_freq)  # row spacing on screen, fraction of the width
    near = spacing > np.float32(4.0 / c.size)
    between = ground & near & (tri < np.float32(0.3)) & ((c.label == M["crop"]) | (c.label == M["wheat"]))
    c.paint(between, "soil")
    c.shade[ground & near] *= (np.float32(1.0) + np.float32(0.12) * (tri - np.float32(0.5)))[ground & near]
    _sky(c, horizon)
    if level > 0 and rng.random() < 0.6:
        _tree_line(c, horizon, rng.uniform(0.015, 0.05), "deciduous", 0.95)
    for _ in range(int(rng.integers(0, 3))):
        x, rel = rng.uniform(0, 1), rng.uniform(0.0, 0.2)
        col = min(c.size - 1, int(x * c.size))
        base = float(horizon[col]) + rel * (1.0 - float(horizon[col]))
        _tree(c, x, base, (base - float(horizon[col])) * 1.2 + 0.03, "deciduous", 0.8, sun)


def _scene_forest(c: _Canvas, sun: float) -> None:
    rng = c.rng
    conifer_share = rng.uniform(0.0, 1.0)
    interior = rng.random() < 0.6
    if interior:
        # Inside the forest: a ragged canopy top with sky gaps, trunks and crowns everywhere.
        canopy_top = _horizon(c, rng.uniform(-0.1, 0.25), 0.15)
        floor_line = _horizon(c, rng.uniform(0.7, 0.95), 0.05)
        c.depth[:] = 0.5
        canopy = (c.y >= canopy_top[None, :]) & (c.y < floor_line[None, :] + np.float32(0.02))
        kind_field = _fbm(rng, c.size, 3, 3) + np.float32(conifer_share - 0.5)
        c.label[:] = M["soil"]
        c.paint(canopy & (kind_field >= 0), "conifer")
        c.paint(canopy & (kind_field < 0), "deciduous")
        crowns = _fbm(rng, c.size, max(8, c.size // 16), 3)
        c.shade *= np.float32(0.85) + np.float32(0.6) * crowns  # gaps between crowns fall into shadow
        litter = (c.y >= floor_line[None, :]) & (c.edge > 0.05)
        c.paint(litter, "grass")
        _sky(c, canopy_top, 1.0)
        n_trees, base_lo, base_hi = int(rng.integers(6, 18)), 0.75, 1.15
    else:
        # Forest edge: meadow in front of a wall of trees.
        horizon = _horizon(c, rng.uniform(0.3, 0.55), 0.05)
        c.depth[:] = _ground_depth(c, horizon)
        ground = c.y >= horizon[None, :]
        c.paint(ground, "grass")
        _sky(c, horizon)
        kind = "conifer" if conifer_share > 0.5 else "deciduous"
        _tree_line(c, horizon, rng.uniform(0.06, 0.2), kind, 0.8)
        n_trees, base_lo, base_hi = int(rng.integers(4, 12)), 0.45, 1.1
    trees = sorted(rng.uniform(base_lo, base_hi, n_trees))
    for base in trees:
        kind = "conifer" if rng.random() < conifer_share else "deciduous"
        height = rng.uniform(0.3, 0.8) * (base - 0.1)
        _tree(c, rng.uniform(0, 1), base, height, kind, float(np.clip(1.1 - base, 0, 1)), sun)


def _peaks(c: _Canvas, base: float, amp: float) -> np.ndarray:
    """A mountain skyline: the upper envelope of a few peaks with straight flanks, plus rough detail."""
    rng = c.rng
    x = c.x[0]
    height = np.full(c.size, -1.0, np.float32)
    for _ in range(int(rng.integers(2, 5))):
        peak_x, peak_h = rng.uniform(-0.2, 1.2), rng.uniform(0.4, 1.0)
        flank = rng.uniform(0.8, 2.5)
        height = np.maximum(height, np.float32(peak_h) - np.float32(flank) * np.abs(x - np.float32(peak_x)))
    height = np.clip(height, 0, 1) + np.float32(0.25) * _fbm1d(rng, c.size, 4, 5, gain=0.6)
    return np.float32(base) - np.float32(amp) * height


def _scene_mountain(c: _Canvas, sun: float) -> None:
    rng = c.rng
    n_ridges = int(rng.integers(2, 4))
    snowy = rng.random() < 0.7
    sky_line = rng.uniform(0.1, 0.35)
    skyline = np.full(c.size, 2.0, np.float32)
    height_field = _fbm(rng, c.size, 4, 5, gain=0.6)
    # Gullies: snow and rock lines vary fast across x and slowly down the slope.
    gullies = _fbm1d(rng, c.size, max(8, c.size // 16), 3)[None, :] + np.float32(0.4) * c.edge
    for k in range(n_ridges):
        near = k / max(1, n_ridges - 1)  # 0 far … 1 near
        base = sky_line + 0.25 + k * rng.uniform(0.12, 0.22)
        amp = rng.uniform(0.15, 0.3) * (1.0 - 0.4 * near)
        profile = _peaks(c, base, amp)
        skyline = np.minimum(skyline, profile)
        mask = c.y >= profile[None, :]
        below_top = c.y - np.float32(base - amp)  # 0 at the highest possible peak
        level = below_top / np.float32(amp) + np.float32(0.5) * gullies
        c.paint(mask, "grass", np.float32(0.95 - 0.65 * near))
        c.paint(mask & (level > rng.uniform(0.8, 1.2)) & (height_field > -0.08), "conifer")
        c.paint(mask & (level < rng.uniform(0.55, 0.85)), "rock")
        if snowy and near < 1.0:
            c.paint(mask & (level < rng.uniform(0.25, 0.5)), "snow")
    # Faces turned to the sun are bright, the others in shade: slope of the height field across x.
    slope = np.zeros_like(height_field)
    slope[:, 1:] = height_field[:, 1:] - height_field[:, :-1]
    c.shade *= np.clip(np.float32(1.0) + np.float32(sun * 4.0 * c.size / 64) * slope, 0.6, 1.3)
    if rng.random() < 0.3:
        shore = np.float32(rng.uniform(0.7, 0.85)) + np.float32(0.03) * _fbm1d(rng, c.size, 2, 3)
        near_shore = shore + np.float32(rng.uniform(0.08, 0.25)) + np.float32(0.1) * _fbm1d(rng, c.size, 2, 3)
        lake = (c.y > shore[None, :]) & (c.y < near_shore[None, :])
        _water(c, lake, 0.4)
    _sky(c, skyline, 1.0)


_SCENES = {"country": _scene_country, "field": _scene_field, "forest": _scene_forest, "mountain": _scene_mountain}


# ---------------------------------------------------------------------------------------------
# Compositing: reflectance × texture × illumination, then haze and the two cameras.


def _compose(c: _Canvas) -> tuple[np.ndarray, np.ndarray]:
    # np.take rather than fancy indexing for the per-material lookups: same result, ~10× faster.
    rng = c.rng
    size = c.size
    label = c.label
    # Per image: every material's reflectance drifts a little (season, species, moisture).
    # Mostly brightness, a little hue, so that white stays near-white.
    n = len(MATERIALS)
    hue = rng.normal(0, 0.025, (2, n, 4)) * _HUE_JITTER[None, :, None]
    e0 = (_E0 * (1 + rng.normal(0, 0.06, (n, 1)) + hue[0])).astype(np.float32)
    e1 = (_E1 * (1 + rng.normal(0, 0.06, (n, 1)) + hue[1])).astype(np.float32)
    bias = rng.uniform(0.1, 0.9, n).astype(np.float32)
    mix = np.clip(np.take(bias, label) + np.float32(1.2) * _fbm(rng, size, 4, 3), 0, 1)
    refl = np.take(e0, label, axis=0)  # (H, W, 4): R, G, B, NIR
    refl += (np.take(e1, label, axis=0) - refl) * mix[..., None]

    fine = _fbm(rng, size, max(8, size // 8), 2)
    medium = _fbm(rng, size, max(4, size // 32), 3)
    tex = np.float32(2) * (np.take(_TEXTURE[:, 0], label) * fine + np.take(_TEXTURE[:, 1], label) * medium)
    # Cloud shadows drift over the ground: one low-frequency illumination for both cameras.
    sun_field = np.float32(1) + np.float32(rng.uniform(0.1, 0.6)) * _fbm(rng, size, 2, 2)
    light = c.shade * sun_field
    rgb = refl[..., :3] * ((np.float32(1) + tex) * light)[..., None]
    nir = refl[..., 3] * (np.float32(1) + tex * np.take(_NIR_TEXTURE_GAIN, label)) * light

    # Sky: zenith → horizon gradient, clouds white in both cameras, greyer at their bases.
    sky = (label == M["sky"]) | (label == M["cloud"])
    sky_rows = np.nonzero(sky.any(axis=1))[0]
    horizon_col = e1[M["sky"]]
    if sky_rows.size:
        h = int(sky_rows.max()) + 1  # only the rows that hold sky need the work
        t = np.minimum(c.y[:h] / np.float32(h / size), np.float32(1))[..., None]  # (h, 1, 1)
        t = t * np.sqrt(t)  # sqrt, not **1.5: exact on every CPU
        sky_col = e0[M["sky"]] + (e1[M["sky"]] - e0[M["sky"]]) * t
        cloud_shade = np.clip(np.float32(1.0) + fine[:h] * np.float32(0.8) + medium[:h], 0.6, 1.1)[..., None]
        opacity = c.cloud[:h, :, None]
        col = sky_col + (e0[M["cloud"]] * cloud_shade - sky_col) * opacity  # (h, W, 4)
        top = sky[:h, :, None]
        rgb[:h] = np.where(top, col[..., :3], rgb[:h])
        nir[:h] = np.where(top[..., 0], col[..., 3], nir[:h])

    # Aerial perspective: distance veils RGB towards the horizon's colour; NIR sees through haze.
    far = np.where(sky, np.float32(0), c.depth)
    haze = np.float32(rng.uniform(0.1, 0.5)) * far * far
    rgb += (horizon_col[:3] - rgb) * haze[..., None]
    nir += (horizon_col[3] - nir) * (haze * np.float32(_NIR_HAZE))

    # The cameras: exposure, white balance, their own gains and sensor noise (uniform: cheap, and
    # after quantisation indistinguishable from Gaussian at this level).
    exposure = np.float32(rng.uniform(0.85, 1.1))
    balance = (1 + rng.normal(0, 0.02, 3)).astype(np.float32)
    rgb *= exposure * balance
    nir *= np.float32(rng.uniform(0.85, 1.1))
    noise = np.float32(0.008 * 12**0.5)
    rgb += (rng.random(rgb.shape, dtype=np.float32) - np.float32(0.5)) * noise
    nir += (rng.random(nir.shape, dtype=np.float32) - np.float32(0.5)) * noise
    return _to_u8(nir), _to_u8(rgb)


def _to_u8(values: np.ndarray) -> np.ndarray:
    """Camera response: linear up to 0.8, then a soft shoulder, so bright clouds do not clip one
    channel before the others and turn pink."""
    x = np.maximum(values - np.float32(0.8), np.float32(0)) / np.float32(0.2)
    values = np.minimum(values, np.float32(0.8)) + np.float32(0.2) * x / (np.float32(1) + x)
    return np.clip(np.rint(values * np.float32(255)), 0, 255).astype(np.uint8)


def render_labelled_scene(rng: np.random.Generator, size: int, category: str) -> Scene:
    """Render one scene of ``category`` with its material map (for tests and inspection)."""
    if category not in _SCENES:
        raise ValueError(f"category must be one of {CATEGORIES}, got {category!r}")
    _check_size(size)
    canvas = _Canvas(rng, size)
    sun = float(rng.choice([-1.0, 1.0]))  # light from the left or the right
    _SCENES[category](canvas, sun)
    nir, rgb = _compose(canvas)
    return Scene(nir=nir, rgb=rgb, materials=canvas.label.copy())


def render_scene(rng: np.random.Generator, size: int, category: str) -> tuple[np.ndarray, np.ndarray]:
    """Render one scene: NIR (H, W) uint8 and RGB (H, W, 3) uint8."""
    scene = render_labelled_scene(rng, size, category)
    return scene.nir, scene.rgb


# ---------------------------------------------------------------------------------------------
# Writing a dataset.


def _check_size(size: int) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 32 or size & (size - 1):
        raise ValueError(f"size must be a power of two >= 32, got {size!r}")


def image_rng(seed: int, split: int, category: int, index: int) -> np.random.Generator:
    """The generator for one image: depends on its own identity only, never on the counts."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, split, category, index])))


def allocate(n: int) -> dict[str, int]:
    """Split ``n`` images over the categories in the challenge's proportions (largest remainder)."""
    total = sum(CATEGORY_WEIGHTS)
    exact = [n * w / total for w in CATEGORY_WEIGHTS]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return dict(zip(CATEGORIES, counts))


@dataclass(frozen=True)
class _Job:
    split: int
    category: int
    index: int
    nir_path: Path | None
    rgb_path: Path


def _run(job: _Job, seed: int, size: int) -> int:
    """Render and write one job; returns the number of image files written."""
    nir, rgb = render_scene(image_rng(seed, job.split, job.category, job.index), size, CATEGORIES[job.category])
    if job.nir_path is not None:
        write_png(job.nir_path, nir, compress_level=PNG_LEVEL)
    write_png(job.rgb_path, rgb, compress_level=PNG_LEVEL)
    return 1 if job.nir_path is None else 2


def _jobs(root: Path, n_pairs: int, n_unpaired: int, n_val: int) -> list[_Job]:
    jobs = []
    for cat, (name, count) in enumerate(allocate(n_pairs).items()):
        for i in range(count):
            stem = f"{name}_{i:04d}"
            nir, rgb = root / NIR_DIR / f"{stem}_nir.png", root / RGB_DIR / f"{stem}_rgb_reg.png"
            jobs.append(_Job(SPLIT_TRAIN, cat, i, nir, rgb))
    for cat, (name, count) in enumerate(allocate(n_unpaired).items()):
        for i in range(count):
            jobs.append(_Job(SPLIT_ONLINE, cat, i, None, root / ONLINE_DIR / f"{name}_{i:04d}_rgb_onl.png"))
    for i in range(n_val):
        stem = f"validation_{i:04d}"
        nir, rgb = root / VAL_DIR / f"{stem}_nir.png", root / VAL_DIR / f"{stem}_rgb_reg.png"
        jobs.append(_Job(SPLIT_VAL, i % len(CATEGORIES), i, nir, rgb))
    return jobs


def _label(n_pairs: int, n_unpaired: int, n_val: int, size: int, seed: int) -> str:
    cats = lambda n: ", ".join(f"{k} {v}" for k, v in allocate(n).items())  # noqa: E731
    return f"""# SYNTHETIC DATA — not the VCIP 2020 challenge data

Every image here was generated by `nircolor.data.synth` (generator version {SYNTH_VERSION}, seed {seed}).
It has the challenge's layout and file names so that the whole pipeline runs on it, but numbers
measured on it say nothing about the paper's results.

- image size: {size}×{size}
- NIR/ + RGB-Registered/: {n_pairs} pairs ({cats(n_pairs)})
- RGB-Online/: {n_unpaired} unpaired RGB images ({cats(n_unpaired)})
- Validation/: {n_val} pairs (categories in turn: {", ".join(CATEGORIES)})

Scenes are maps of materials (sky, cloud, vegetation, crops, soil, rock, snow, water, buildings,
roads) with reflectances shaped like real spectra: vegetation bright in NIR, water dark in NIR,
sky dim in NIR, haze weaker in NIR than in RGB. Same seed and version give byte-identical files.
"""


def write_synthetic(
    root: str | os.PathLike[str],
    *,
    n_pairs: int = CHALLENGE_PAIRS,
    n_unpaired: int = CHALLENGE_ONLINE,
    n_val: int = CHALLENGE_VAL,
    size: int = 256,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> DatasetIndex:
    """Write a synthetic dataset in the challenge layout at ``root`` and return its validated index.

    The dataset is built in a sibling folder and moved into place at the end, so ``root`` never
    holds a half-written dataset. An existing ``root`` must be empty or an earlier synthetic
    dataset (it has SYNTHETIC.md), which is replaced. ``progress(done, total)`` counts image
    files (a pair is two), called as each scene is written; ``workers`` threads (default: up to 4)
    share the work without changing a byte of the output.
    """
    _check_size(size)
    checks = (("n_pairs", n_pairs, 1), ("n_unpaired", n_unpaired, 0), ("n_val", n_val, 1), ("seed", seed, 0))
    for name, value, low in checks:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    root = Path(root)
    if root.exists():
        if not root.is_dir():
            raise FileExistsError(f"{root}: exists and is not a folder")
        if any(root.iterdir()) and not (root / SYNTHETIC_LABEL).is_file():
            raise FileExistsError(
                f"{root}: not empty and not a synthetic dataset (no SYNTHETIC.md); refusing to overwrite"
            )
    root.parent.mkdir(parents=True, exist_ok=True)
    building = root.parent / f".{root.name}.partial-{os.getpid()}"
    if building.exists():
        shutil.rmtree(building)
    try:
        for folder in (NIR_DIR, RGB_DIR, VAL_DIR) + ((ONLINE_DIR,) if n_unpaired else ()):
            (building / folder).mkdir(parents=True)
        jobs = _jobs(building, n_pairs, n_unpaired, n_val)
        # zlib and numpy's larger operations release the GIL, so threads overlap part of the work;
        # every image has its own generator, so the output does not depend on the scheduling.
        n_workers = workers or min(4, os.cpu_count() or 1)
        total, done = 2 * n_pairs + n_unpaired + 2 * n_val, 0
        if n_workers > 1 and len(jobs) > 16:
            with ThreadPoolExecutor(n_workers) as pool:
                written = pool.map(lambda j: _run(j, seed, size), jobs)
                for n in written:
                    done += n
                    if progress is not None:
                        progress(done, total)
        else:
            for job in jobs:
                done += _run(job, seed, size)
                if progress is not None:
                    progress(done, total)
        (building / SYNTHETIC_LABEL).write_text(_label(n_pairs, n_unpaired, n_val, size, seed), encoding="utf-8")
        if root.exists():
            old = root.parent / f".{root.name}.old-{os.getpid()}"
            os.replace(root, old)
            os.replace(building, root)
            shutil.rmtree(old)
        else:
            os.replace(building, root)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return validate_dataset(root)
