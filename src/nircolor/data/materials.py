"""The materials of the synthetic scenes and how the two cameras see them.

Every material has a reflectance in R, G, B and NIR taken from the shape of real spectra:
chlorophyll makes vegetation dark in red and blue but very bright in NIR (the "red edge"), water
absorbs NIR almost completely, Rayleigh scattering makes the sky bright in blue and dim in NIR,
haze veils distant ridges in RGB far more than in NIR. A ``Canvas`` holds a scene's material map
and the terms shared by both cameras; ``compose`` turns it into the NIR and RGB images.
"""

from __future__ import annotations

import numpy as np

from nircolor.data.noise import fbm

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


# ---------------------------------------------------------------------------------------------
# Canvas: the material map plus the per-pixel terms shared by both cameras.


class Canvas:
    """A scene being painted: its material map plus the per-pixel terms shared by both cameras."""

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
        self.edge = fbm(rng, size, 8, 4)

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


# ---------------------------------------------------------------------------------------------
# Compositing: reflectance × texture × illumination, then haze and the two cameras.


def compose(c: Canvas) -> tuple[np.ndarray, np.ndarray]:
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
    mix = np.clip(np.take(bias, label) + np.float32(1.2) * fbm(rng, size, 4, 3), 0, 1)
    refl = np.take(e0, label, axis=0)  # (H, W, 4): R, G, B, NIR
    refl += (np.take(e1, label, axis=0) - refl) * mix[..., None]

    fine = fbm(rng, size, max(8, size // 8), 2)
    medium = fbm(rng, size, max(4, size // 32), 3)
    tex = np.float32(2) * (np.take(_TEXTURE[:, 0], label) * fine + np.take(_TEXTURE[:, 1], label) * medium)
    # Cloud shadows drift over the ground: one low-frequency illumination for both cameras.
    sun_field = np.float32(1) + np.float32(rng.uniform(0.1, 0.6)) * fbm(rng, size, 2, 2)
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
