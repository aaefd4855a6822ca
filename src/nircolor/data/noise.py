"""Noise for the synthetic scenes: value noise summed over octaves.

All gathers and lerps (no BLAS), so results are exact IEEE float32 arithmetic and the same on
every machine.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=128)
def axis(size: int, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pos = (np.arange(size, dtype=np.float64) + 0.5) * (cells / size)
    i0 = np.floor(pos).astype(np.intp)
    t = pos - i0
    t = t * t * (3.0 - 2.0 * t)  # smoothstep: no grid-aligned creases
    return i0, (1.0 - t).astype(np.float32), t.astype(np.float32)


def noise2d(rng: np.random.Generator, size: int, cells: int, cells_x: int | None = None) -> np.ndarray:
    """Value noise in [0, 1) on a grid of ``cells`` down by ``cells_x`` (default: the same) across."""
    cells_x = cells if cells_x is None else cells_x
    grid = rng.random((cells + 1, cells_x + 1), dtype=np.float32)
    iy, wy0, wy1 = axis(size, cells)
    ix, wx0, wx1 = axis(size, cells_x)
    rows = grid[:, ix] * wx0 + grid[:, ix + 1] * wx1
    return rows[iy] * wy0[:, None] + rows[iy + 1] * wy1[:, None]


def fbm(rng: np.random.Generator, size: int, cells: int, octaves: int, gain: float = 0.5) -> np.ndarray:
    """Fractal noise, zero-centred, roughly in [-0.5, 0.5]; octaves finer than 2 px are dropped."""
    total = np.zeros((size, size), np.float32)
    amp, norm = 1.0, 0.0
    cells = min(cells, size // 2)
    for _ in range(octaves):
        if cells > size // 2:
            break
        total += np.float32(amp) * (noise2d(rng, size, cells) - np.float32(0.5))
        norm += amp
        amp *= gain
        cells *= 2
    return total / np.float32(norm)


def fbm1d(rng: np.random.Generator, size: int, cells: int, octaves: int, gain: float = 0.5) -> np.ndarray:
    total = np.zeros(size, np.float32)
    amp, norm = 1.0, 0.0
    cells = min(cells, size // 2)
    for _ in range(octaves):
        if cells > size // 2:
            break
        grid = rng.random(cells + 1, dtype=np.float32) - np.float32(0.5)
        i0, w0, w1 = axis(size, cells)
        total += np.float32(amp) * (grid[i0] * w0 + grid[i0 + 1] * w1)
        norm += amp
        amp *= gain
        cells *= 2
    return total / np.float32(norm)


def sample(grid: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
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


def smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - np.float32(lo)) / np.float32(hi - lo), 0, 1)
    return t * t * (3 - 2 * t)
