"""The comparison Table I stands for: averages with reference floors, paired intervals, win counts, the champion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nircolor.stats import HIGHER_IS_BETTER, METRICS, UNITS, Difference, format_difference, paired_bootstrap

FLOOR = "lookup"  # the reference a trained model must beat to count as a result


def per_image(table: pd.DataFrame) -> pd.DataFrame:
    """A Table I frame without its `average` row, indexed by image."""
    return table[table["image"] != "average"].set_index("image")[list(METRICS)]


def score_matrix(tables: Sequence[pd.DataFrame], metric: str, images: Sequence[str]) -> np.ndarray:
    """(runs, images) of one metric from one or more tables (seeds / registered versions)."""
    rows = []
    for t in tables:
        rows.append(per_image(t).loc[list(images), metric].to_numpy(dtype=np.float64))
    return np.stack(rows)


@dataclass
class Comparison:
    """Everything Table I's comparison says; built by `compare`."""

    images: list[str]
    variants: list[str]
    references: list[str]
    summary: pd.DataFrame  # rows: variants then references; mean (and sd over runs) per metric
    differences: list[tuple[str, str, Difference]]  # (a, b, a − b)
    beats: dict[str, list[str]] = field(default_factory=dict)  # variant → metrics where it beats lookup
    champion: str | None = None
    champion_line: str = ""
    # (variant, paper row, variant − the paper's average): the paper's rows asked for (`compare(paper=...)`)
    paper_differences: list[tuple[str, str, Difference]] = field(default_factory=list)

    def differences_frame(self) -> pd.DataFrame:
        rows = [{"a": a, "b": b, **d.as_dict()} for a, b, d in self.differences]
        return pd.DataFrame(rows)

    def metrics(self) -> dict:
        """Nested numbers for `dvc metrics show` and MLflow."""
        out: dict = {"averages": {}, "vs": {}, "beats_lookup": {}}
        for _, row in self.summary.iterrows():
            out["averages"][row["name"]] = {m: float(row[m]) for m in METRICS}
        for a, b, d in self.differences:
            out["vs"].setdefault(f"{a}_vs_{b}", {})[d.metric] = {
                "mean": d.mean, "low": d.low, "high": d.high, "wins": d.wins_a, "losses": d.wins_b,
                "significant": int(d.significant),
            }  # fmt: skip
        for v, ms in self.beats.items():
            out["beats_lookup"][v] = {m: int(m in ms) for m in METRICS}
        for v, row, d in self.paper_differences:
            out.setdefault("vs_paper", {}).setdefault(f"{v}_vs_paper_{row}", {})[d.metric] = {
                "mean": d.mean, "low": d.low, "high": d.high, "reaches": int(_reaches(d)),
                "significant": int(d.significant),
            }  # fmt: skip
        return out


def _better(metric: str, a: float, b: float) -> bool:
    return a > b if HIGHER_IS_BETTER[metric] else a < b


def _reaches(d: Difference) -> bool:
    """A variant − paper difference at the paper's average or past it (by the metric's direction)."""
    return not _better(d.metric, 0.0, d.mean)


def choose_champion(averages: Mapping[str, Mapping[str, float]], metric: str) -> str:
    """The documented rule: best average `metric` (AE counts lower as better); a tie goes to the
    next metrics in the order psnr, ssim, ae, then to the variant listed last."""
    order = [metric] + [m for m in METRICS if m != metric]
    names = list(averages)

    def key(variant: str) -> tuple:
        vals = tuple(averages[variant][m] if HIGHER_IS_BETTER[m] else -averages[variant][m] for m in order)
        return (*vals, names.index(variant))

    return max(names, key=key)


def compare(
    runs: Mapping[str, Sequence[pd.DataFrame]],
    references: Mapping[str, pd.DataFrame],
    *,
    metric: str = "psnr",
    n_resamples: int = 10_000,
    seed: int = 0,
    paper: Mapping[str, Mapping[str, float]] | None = None,
) -> Comparison:
    """Compare variants (each one or more Table I frames: seeds or registered versions) with each
    other and with the references, on the images they all share.

    `paper` (row name → average per metric, e.g. the paper's Table I dense row) adds each variant
    minus that row's average: the mean over images × runs with the same paired bootstrap against a
    constant, since the paper's per-image values are not paired with ours."""
    if not runs:
        raise ValueError("nothing to compare: no variant tables")
    all_tables = [t for ts in runs.values() for t in ts] + list(references.values())
    images = [i for i in per_image(all_tables[0]).index]
    for t in all_tables[1:]:
        other = set(per_image(t).index)
        images = [i for i in images if i in other]
    if not images:
        raise ValueError("the tables share no validation image")
    mats = {name: {m: score_matrix(ts, m, images) for m in METRICS} for name, ts in runs.items()}
    mats.update({name: {m: score_matrix([t], m, images) for m in METRICS} for name, t in references.items()})

    rows = []
    for name in [*runs, *references]:
        row: dict = {"name": name, "kind": "variant" if name in runs else "reference",
                     "runs": mats[name]["psnr"].shape[0]}  # fmt: skip
        for m in METRICS:
            per_run = mats[name][m].mean(axis=1)
            row[m] = float(per_run.mean())
            row[f"{m}_sd"] = float(per_run.std(ddof=1)) if len(per_run) > 1 else float("nan")
        rows.append(row)
    summary = pd.DataFrame(rows)

    diffs: list[tuple[str, str, Difference]] = []
    names = list(runs)
    pairs = [(names[j], names[i]) for i in range(len(names)) for j in range(i + 1, len(names))]
    if FLOOR in references:
        pairs += [(v, FLOOR) for v in names]
    for a, b in pairs:
        for m in METRICS:
            diffs.append((a, b, paired_bootstrap(mats[a][m], mats[b][m], m, n_resamples=n_resamples, seed=seed)))

    beats = {}
    if FLOOR in references:
        for v in names:
            beats[v] = [d.metric for a, b, d in diffs if a == v and b == FLOOR and d.a_better]

    averages = {n: {m: float(summary.set_index("name").loc[n, m]) for m in METRICS} for n in names}
    champion = choose_champion(averages, metric)
    line = f"champion: {champion} (best average {metric.upper()})"
    if len(names) > 1:
        runner = choose_champion({n: averages[n] for n in names if n != champion}, metric)
        a, _, d = next((a, b, d) for a, b, d in diffs if {a, b} == {champion, runner} and d.metric == metric)
        mine = a == champion  # the difference is champion − runner, else runner − champion
        lead = d.mean if mine else -d.mean
        lo, hi = (d.low, d.high) if mine else (-d.high, -d.low)
        if not HIGHER_IS_BETTER[metric]:  # AE: a lead is a lower angle
            lead, lo, hi = -lead, -hi, -lo
        fmt = "{:.3f}" if metric == "ssim" else "{:.2f}"
        unit = {"psnr": " dB", "ssim": "", "ae": "°"}[metric]
        verdict = "significant" if d.significant else "not significant"
        line += (
            f"; {champion} ahead of {runner} by {fmt.format(lead)}{unit} "
            f"[{fmt.format(lo)}, {fmt.format(hi)}], wins {d.wins_a if mine else d.wins_b}/{d.n_images} "
            f"images: {verdict}"
        )
    if FLOOR in references:
        line += f"; beats {FLOOR} on: {', '.join(beats[champion]) or 'nothing'}"
    paper_diffs = [
        (v, row, paired_bootstrap(mats[v][m], np.full(len(images), float(avg[m])), m,
                                  n_resamples=n_resamples, seed=seed))
        for row, avg in (paper or {}).items() for v in names for m in METRICS
    ]  # fmt: skip
    return Comparison(images, names, list(references), summary, diffs, beats, champion, line, paper_diffs)


def summary_markdown(c: Comparison, paper: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """Averages (variants, then the reference floors, then the paper's rows) as Markdown."""
    lines = ["| model | PSNR (dB) | SSIM | AE (°) | beats lookup on |", "|---|---:|---:|---:|---|"]
    for _, r in c.summary.iterrows():
        def cell(m: str, fmt: str) -> str:
            v = fmt.format(r[m])
            if r["runs"] > 1:
                v += " ± " + fmt.format(r[f"{m}_sd"])
            return v

        label = r["name"] if r["kind"] == "variant" else f"{r['name']} (reference, no training)"
        if r["runs"] > 1:
            label += f" ({r['runs']} runs)"
        beats = ", ".join(c.beats.get(r["name"], [])) or ("none" if r["name"] in c.beats else "")
        lines.append(f"| {label} | {cell('psnr', '{:.2f}')} | {cell('ssim', '{:.3f}')} | {cell('ae', '{:.2f}')} | {beats} |")
    for name, avg in (paper or {}).items():
        lines.append(f"| paper {name} (VCIP 2020 Table I) | {avg['psnr']:.2f} | {avg['ssim']:.2f} | {avg['ae']:.2f} | |")
    return "\n".join(lines) + "\n"


def differences_markdown(c: Comparison) -> str:
    """One line per pair and metric: mean difference, 95 % paired bootstrap interval, wins."""
    n = len(c.images)
    seeds = max((d.n_seeds for _, _, d in c.differences), default=1)
    over = f"{n} images" + (f" × up to {seeds} runs" if seeds > 1 else "")
    lines = [f"Differences a − b, mean over images with a 95 % paired bootstrap interval "
             f"(10,000 resamples over {over}, seed 0) and per-image wins a–b:", ""]  # fmt: skip
    lines += [f"- {format_difference(d, a, b)}" for a, b, d in c.differences]
    return "\n".join(lines) + "\n"


def paper_markdown(c: Comparison) -> str:
    """One line per variant, paper row and metric: does the variant's mean reach the paper's average
    (at it or past it), and is the difference outside the bootstrap interval? Empty without rows."""
    if not c.paper_differences:
        return ""
    n = len(c.images)
    seeds = max(d.n_seeds for _, _, d in c.paper_differences)
    over = f"{n} images" + (f" × up to {seeds} runs" if seeds > 1 else "")
    lines = [f"Against the paper's Table I averages (VCIP 2020; one number per metric, so its images are not "
             f"paired with these): variant − paper, mean with a 95 % bootstrap interval (10,000 resamples "
             f"over {over}, seed 0):", ""]  # fmt: skip
    for v, row, d in c.paper_differences:
        fmt = "{:+.3f}" if d.metric == "ssim" else "{:+.2f}"
        rng = "{:.3f}" if d.metric == "ssim" else "{:.2f}"
        side = "outside the interval" if d.significant else "inside the interval"
        lines.append(f"- {v} − paper {row}, {d.metric.upper()}: {fmt.format(d.mean)}{UNITS[d.metric]} "
                     f"[{rng.format(d.low)}, {rng.format(d.high)}]: "
                     f"{'reaches' if _reaches(d) else 'short of'} the paper's {row} row, {side}")  # fmt: skip
    return "\n".join(lines) + "\n"
