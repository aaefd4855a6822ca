"""Uncertainty of a comparison: paired bootstrap intervals over images (and seeds) and win counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# Which way is better, per metric: the one home of this fact (report, compare and the champion
# rule read it from here).
HIGHER_IS_BETTER = {"psnr": True, "ssim": True, "ae": False}
METRICS = tuple(HIGHER_IS_BETTER)
UNITS = {"psnr": " dB", "ssim": "", "ae": "°"}
N_RESAMPLES = 10_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Difference:
    """`a` minus `b` on one metric: mean per-image difference, its bootstrap interval, wins."""

    metric: str
    mean: float  # mean over images (and seeds) of a − b
    low: float  # 95 % paired bootstrap interval of that mean
    high: float
    wins_a: int  # images where a is better (by the metric's direction)
    wins_b: int
    ties: int
    n_images: int
    n_seeds: int = 1

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.low > 0 or self.high < 0

    @property
    def a_better(self) -> bool:
        """a's mean is on the better side (ignoring significance)."""
        return self.mean > 0 if HIGHER_IS_BETTER[self.metric] else self.mean < 0

    def as_dict(self) -> dict:
        return {**asdict(self), "significant": self.significant}


def _as_matrix(values) -> np.ndarray:
    """(images,) or (seeds, images) → (seeds, images) float64."""
    m = np.asarray(values, dtype=np.float64)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[1] == 0:
        raise ValueError(f"expected per-image scores (images,) or (seeds, images), got shape {m.shape}")
    return m


def paired_bootstrap(
    a, b, metric: str, *, n_resamples: int = N_RESAMPLES, seed: int = 0, confidence: float = CONFIDENCE
) -> Difference:
    """Mean of a − b with a percentile bootstrap interval, paired by image.

    `a` and `b` are per-image scores on the same images in the same order: (images,) for one
    run each, or (seeds, images) for several runs (versions) each; the two may hold different
    numbers of seeds. Each resample draws images with replacement (the same draw for both
    sides, which keeps the pairing) and, where there are several, seeds of each side with
    replacement; the statistic is mean(a) − mean(b) over the drawn cells. Seeded, so a report
    is reproducible. Win counts compare per-image means over seeds.
    """
    if metric not in HIGHER_IS_BETTER:
        raise ValueError(f"unknown metric {metric!r}; choose from {list(METRICS)}")
    ma, mb = _as_matrix(a), _as_matrix(b)
    if ma.shape[1] != mb.shape[1]:
        raise ValueError(f"a has {ma.shape[1]} images, b has {mb.shape[1]}: not paired")
    n = ma.shape[1]
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, n, size=(n_resamples, n))
    stats = np.empty(n_resamples)
    chunk = 1000
    for start in range(0, n_resamples, chunk):
        idx = imgs[start : start + chunk]  # (r, n)
        r = len(idx)
        sa = rng.integers(0, ma.shape[0], size=(r, ma.shape[0]))  # seeds drawn per resample
        sb = rng.integers(0, mb.shape[0], size=(r, mb.shape[0]))
        # mean over drawn seeds of the per-seed image means = mean over the drawn cells
        mean_a = ma[sa[:, :, None], idx[:, None, :]].mean(axis=(1, 2))
        mean_b = mb[sb[:, :, None], idx[:, None, :]].mean(axis=(1, 2))
        stats[start : start + r] = mean_a - mean_b
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    per_a, per_b = ma.mean(axis=0), mb.mean(axis=0)
    better = per_a > per_b if HIGHER_IS_BETTER[metric] else per_a < per_b
    worse = per_a < per_b if HIGHER_IS_BETTER[metric] else per_a > per_b
    return Difference(
        metric, float(per_a.mean() - per_b.mean()), float(low), float(high),
        int(better.sum()), int(worse.sum()), int(n - better.sum() - worse.sum()), n,
        max(ma.shape[0], mb.shape[0]),
    )  # fmt: skip


def format_difference(d: Difference, a: str, b: str) -> str:
    """'dense vs baseline, PSNR: +0.40 dB [−0.30, 1.10], wins 10–8: not significant'."""
    fmt = "{:+.3f}" if d.metric == "ssim" else "{:+.2f}"
    rng = "{:.3f}" if d.metric == "ssim" else "{:.2f}"
    verdict = ("significant: " + (a if d.a_better else b) + " better") if d.significant else "not significant"
    return (
        f"{a} − {b}, {d.metric.upper()}: {fmt.format(d.mean)}{UNITS[d.metric]} "
        f"[{rng.format(d.low)}, {rng.format(d.high)}], wins {d.wins_a}–{d.wins_b}"
        + (f" ({d.ties} ties)" if d.ties else "")
        + f": {verdict}"
    )
