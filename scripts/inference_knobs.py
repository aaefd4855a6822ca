"""What the two inference-side knobs are worth on trained checkpoints: the EMA weights
(`train.ema_decay`) and the mirrored-pass average (`model.flip_average`).

For each checkpoint, scores the 18 validation pairs at their native size by the project's
inference rule (`inference.evaluate_generator`) four ways: the live or the EMA weights (where the
checkpoint keeps an EMA), each with one pass or with the mirrored-pass average; then the paired
bootstrap (10,000 resamples over images, seed 0) of each knob against its absence, and of each
way against the lookup floor. Output: markdown.

With `--shifts N` it also scores a diagnostic way: the checkpoint's own inference rule averaged
over an N×N grid of input translations, 2 px apart (`inference.shift_average`; N² passes, or
2·N² with the mirrored average). What it gains measures how much of a model's error is aliasing,
the output's dependence on where the image sits on the generator's stride grid.

With `--phases N` it scores the same rule averaged over an N×N grid of 1-px translations on the
image's own canvas (`inference.phase_average`; N² passes, 2·N² mirrored): the stride-grid phase
alone, without the extra reflected context that `--shifts` gives the generator.

  python scripts/inference_knobs.py [--shifts 8] [--phases 2] ../shared/data/vcip2020 dense=artifacts/checkpoints/dense/phase3.pt ...
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import (
    evaluate_generator,
    load_generator,
    phase_average,
    score_outputs,
    shift_average,
    shift_offsets,
)
from nircolor.references import apply_lookup, fit_lookup
from nircolor.stats import format_difference, paired_bootstrap

METRICS = ("psnr", "ssim", "ae")
SHIFT_STEP = 2  # px between translations: 8 of them span the finest 16-px period of a UNet256 block


def shifted_scores(g, val: PairArrays, n: int, *, phases: bool = False) -> dict[str, np.ndarray]:
    """Per-image scores of the shift-averaged (2-px grid, padded canvas) or, with `phases`, the
    phase-averaged (1-px grid, same canvas) inference rule, scored as evaluate scores."""
    if phases:
        offsets = shift_offsets(n, 1)
        rule = lambda g, x: phase_average(g, x, offsets)  # noqa: E731
    else:
        offsets = shift_offsets(n, SHIFT_STEP)
        rule = lambda g, x: shift_average(g, x, offsets)  # noqa: E731
    table, _ = evaluate_generator(g, val, rule=rule)
    return per_image(table)


def per_image(table) -> dict[str, np.ndarray]:
    rows = table.iloc[:-1]  # the last row is the average
    return {m: rows[m].to_numpy(dtype=np.float64) for m in METRICS}


def main() -> None:
    args = sys.argv[1:]
    grids = {"--shifts": 0, "--phases": 0}
    while args[:1] and args[0] in grids:
        grids[args[0]], args = int(args[1]), args[2:]
    for flag, n in grids.items():
        if n == 1 or n < 0:
            raise SystemExit(f"{flag} N needs N >= 2 (an N×N grid of translations)")
    index = validate_dataset(args[0], decode=False)
    checkpoints = dict(a.split("=", 1) for a in args[1:])
    nir, rgb = load_pairs(index.validation)
    val = PairArrays(nir, rgb, tuple(p.stem for p in index.validation))
    lookup = per_image(score_outputs(val.stems, apply_lookup(fit_lookup(*load_pairs(index.pairs)), nir), rgb))
    torch.set_num_threads(max(1, torch.get_num_threads()))
    print("Scored at 256 px (native) on the 18 validation pairs; floor: lookup "
          + " / ".join(f"{lookup[m].mean():.3f}" for m in METRICS) + ".\n")
    print("| checkpoint | weights | pass | PSNR (dB) | SSIM | AE (°) |")
    print("|---|---|---|---:|---:|---:|")
    notes = []
    for name, path in checkpoints.items():
        ways = {}
        for ema in (False, True):
            g, meta = load_generator(path, ema=ema)
            if ema and not meta["ema"]:
                continue  # this checkpoint keeps no EMA
            for flip in (False, True):
                g.flip_average = flip
                table, _ = evaluate_generator(g, val)
                ways[("EMA" if ema else "live", "mirrored average" if flip else "single")] = per_image(table)
        for flag, n in grids.items():
            if not n:
                continue
            g, meta = load_generator(path)  # as scored: EMA where kept, its own mirrored setting
            what = f"{n}×{n} 1-px phases" if flag == "--phases" else f"{n}×{n} shifts"
            key = ("EMA" if meta["ema"] else "live", f"{'mirrored + ' if meta['flip_average'] else ''}{what}")
            ways[key] = shifted_scores(g, val, n, phases=flag == "--phases")
            base = (key[0], "mirrored average" if meta["flip_average"] else "single")
            notes += [format_difference(paired_bootstrap(ways[key][m], ways[base][m], m),
                                        f"{name} {key[0]} {key[1]}", "without") for m in METRICS]
        for (w, p), s in ways.items():
            print(f"| {name} | {w} | {p} | {s['psnr'].mean():.2f} | {s['ssim'].mean():.3f} | {s['ae'].mean():.2f} |")
        weights = sorted({w for w, _ in ways})
        for w in weights:
            a, b = ways[(w, "mirrored average")], ways[(w, "single")]
            notes += [format_difference(paired_bootstrap(a[m], b[m], m), f"{name} {w} mirrored", "single") for m in METRICS]
        if "EMA" in weights:
            for p in ("single", "mirrored average"):
                a, b = ways[("EMA", p)], ways[("live", p)]
                notes += [format_difference(paired_bootstrap(a[m], b[m], m), f"{name} EMA {p}", "live") for m in METRICS]
        for (w, p), s in ways.items():
            notes += [format_difference(paired_bootstrap(s[m], lookup[m], m), f"{name} {w} {p}", "lookup") for m in METRICS]
    print()
    for line in notes:
        print(f"- {line}")


if __name__ == "__main__":
    main()
