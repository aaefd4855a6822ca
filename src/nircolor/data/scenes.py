"""Synthetic NIR/RGB scenes: the layouts of the four categories, rendered through the materials.

Each scene is a map of materials (sky, vegetation, water, rock, …) painted with horizon lines,
ridges, tree crowns and field parcels (``nircolor.data.materials`` gives each material its
reflectances). Brightness texture and illumination are shared by both cameras, so NIR → RGB is
learnable from local structure and context, but not a per-pixel lookup: grass, snow and cloud are
all bright in NIR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nircolor.data.materials import M, Canvas, compose
from nircolor.data.noise import fbm, fbm1d, noise2d, sample, smoothstep

CATEGORIES = ("country", "field", "forest", "mountain")


@dataclass(frozen=True)
class Scene:
    """One rendered scene: the two images and the material of every pixel (index into MATERIALS)."""

    nir: np.ndarray  # (H, W) uint8
    rgb: np.ndarray  # (H, W, 3) uint8
    materials: np.ndarray  # (H, W) uint8


def _horizon(c: Canvas, level: float, roughness: float) -> np.ndarray:
    """Per-column horizon height (fraction from the top), gently undulating."""
    return np.float32(level) + np.float32(roughness) * fbm1d(c.rng, c.size, 2, 4)


def _ground_depth(c: Canvas, horizon: np.ndarray) -> np.ndarray:
    """0 at the bottom edge → 1 at the horizon, from a flat ground seen in perspective."""
    below = np.maximum(c.y - horizon[None, :], np.float32(1e-3))
    return np.clip(np.float32(0.04) / (below + np.float32(0.04)), 0, 1)


def _ground_coords(c: Canvas, horizon: np.ndarray, vanish_x: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates on a flat ground plane: across (converging at the vanishing point) and along."""
    below = np.maximum(c.y - horizon[None, :], np.float32(2e-3))
    return (c.x - np.float32(vanish_x)) / below, np.float32(1.0) / below


def _sky(c: Canvas, horizon: np.ndarray, depth: float = 1.0) -> np.ndarray:
    mask = c.y < horizon[None, :]
    c.paint(mask, "sky", depth)
    rng = c.rng
    cloudiness = rng.uniform(-0.25, 0.35)  # from clear to mostly overcast
    cover = fbm(rng, c.size, 3, 5, gain=0.55) + np.float32(cloudiness) * np.float32(0.6)
    opacity = smoothstep(0.06, 0.2, cover)
    c.cloud[mask] = opacity[mask]
    c.paint(mask & (opacity > 0.5), "cloud")
    return mask


def _tree_line(c: Canvas, horizon: np.ndarray, height: float, kind: str, depth: float) -> None:
    bumps = np.abs(fbm1d(c.rng, c.size, max(8, c.size // 8), 2))
    top = horizon - np.float32(height) * (np.float32(0.5) + bumps * np.float32(2.0))
    mask = (c.y >= top[None, :]) & (c.y < horizon[None, :] + np.float32(0.01))
    c.paint(mask, kind, depth)
    # Crowns at the top of the line catch the sun; the base stays in shadow.
    rel = np.clip((c.y - top[None, :]) / np.float32(max(height, 1e-3) * 2.5), 0, 1)
    c.shade[mask] *= (np.float32(1.05) - np.float32(0.35) * rel)[mask]


def _tree(c: Canvas, cx: float, base: float, height: float, kind: str, depth: float, sun: float) -> None:
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


def _house(c: Canvas, cx: float, base: float, height: float, depth: float, sun: float) -> None:
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


def _water(c: Canvas, mask: np.ndarray, depth: float | np.ndarray) -> None:
    c.paint(mask, "water", depth)
    # Ripples seen at a grazing angle: streaks long across, short down the image.
    ripples = noise2d(c.rng, c.size, c.size // 4, c.size // 32) - np.float32(0.5)
    c.shade[mask] *= (np.float32(1.0) + np.float32(0.15) * ripples)[mask]


def _scene_country(c: Canvas, sun: float) -> None:
    rng = c.rng
    level = rng.uniform(0.25, 0.5) if rng.random() > 0.15 else -0.05
    horizon = _horizon(c, level, 0.08)
    depth = _ground_depth(c, horizon)
    c.depth[:] = depth
    u, v = _ground_coords(c, horizon, rng.uniform(0.2, 0.8))
    grid = rng.random((16, 16), dtype=np.float32)
    patches = sample(grid, u * np.float32(0.6), v * np.float32(0.25)) + c.edge * np.float32(0.3)
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


def _scene_field(c: Canvas, sun: float) -> None:
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


def _scene_forest(c: Canvas, sun: float) -> None:
    rng = c.rng
    conifer_share = rng.uniform(0.0, 1.0)
    interior = rng.random() < 0.6
    if interior:
        # Inside the forest: a ragged canopy top with sky gaps, trunks and crowns everywhere.
        canopy_top = _horizon(c, rng.uniform(-0.1, 0.25), 0.15)
        floor_line = _horizon(c, rng.uniform(0.7, 0.95), 0.05)
        c.depth[:] = 0.5
        canopy = (c.y >= canopy_top[None, :]) & (c.y < floor_line[None, :] + np.float32(0.02))
        kind_field = fbm(rng, c.size, 3, 3) + np.float32(conifer_share - 0.5)
        c.label[:] = M["soil"]
        c.paint(canopy & (kind_field >= 0), "conifer")
        c.paint(canopy & (kind_field < 0), "deciduous")
        crowns = fbm(rng, c.size, max(8, c.size // 16), 3)
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


def _peaks(c: Canvas, base: float, amp: float) -> np.ndarray:
    """A mountain skyline: the upper envelope of a few peaks with straight flanks, plus rough detail."""
    rng = c.rng
    x = c.x[0]
    height = np.full(c.size, -1.0, np.float32)
    for _ in range(int(rng.integers(2, 5))):
        peak_x, peak_h = rng.uniform(-0.2, 1.2), rng.uniform(0.4, 1.0)
        flank = rng.uniform(0.8, 2.5)
        height = np.maximum(height, np.float32(peak_h) - np.float32(flank) * np.abs(x - np.float32(peak_x)))
    height = np.clip(height, 0, 1) + np.float32(0.25) * fbm1d(rng, c.size, 4, 5, gain=0.6)
    return np.float32(base) - np.float32(amp) * height


def _scene_mountain(c: Canvas, sun: float) -> None:
    rng = c.rng
    n_ridges = int(rng.integers(2, 4))
    snowy = rng.random() < 0.7
    sky_line = rng.uniform(0.1, 0.35)
    skyline = np.full(c.size, 2.0, np.float32)
    height_field = fbm(rng, c.size, 4, 5, gain=0.6)
    # Gullies: snow and rock lines vary fast across x and slowly down the slope.
    gullies = fbm1d(rng, c.size, max(8, c.size // 16), 3)[None, :] + np.float32(0.4) * c.edge
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
        shore = np.float32(rng.uniform(0.7, 0.85)) + np.float32(0.03) * fbm1d(rng, c.size, 2, 3)
        near_shore = shore + np.float32(rng.uniform(0.08, 0.25)) + np.float32(0.1) * fbm1d(rng, c.size, 2, 3)
        lake = (c.y > shore[None, :]) & (c.y < near_shore[None, :])
        _water(c, lake, 0.4)
    _sky(c, skyline, 1.0)


_SCENES = {"country": _scene_country, "field": _scene_field, "forest": _scene_forest, "mountain": _scene_mountain}


def render_labelled_scene(rng: np.random.Generator, size: int, category: str) -> Scene:
    """Render one scene of ``category`` with its material map (for tests and inspection)."""
    if category not in _SCENES:
        raise ValueError(f"category must be one of {CATEGORIES}, got {category!r}")
    check_size(size)
    canvas = Canvas(rng, size)
    sun = float(rng.choice([-1.0, 1.0]))  # light from the left or the right
    _SCENES[category](canvas, sun)
    nir, rgb = compose(canvas)
    return Scene(nir=nir, rgb=rgb, materials=canvas.label.copy())


def render_scene(rng: np.random.Generator, size: int, category: str) -> tuple[np.ndarray, np.ndarray]:
    """Render one scene: NIR (H, W) uint8 and RGB (H, W, 3) uint8."""
    scene = render_labelled_scene(rng, size, category)
    return scene.nir, scene.rgb


def check_size(size: int) -> None:
    """Image sizes are powers of two, at least 32."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 32 or size & (size - 1):
        raise ValueError(f"size must be a power of two >= 32, got {size!r}")
