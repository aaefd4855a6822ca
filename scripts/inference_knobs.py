"""What the two inference-side knobs are worth on trained checkpoints: the EMA weights
(`train.ema_decay`) and the mirrored-pass average (`model.flip_average`).

For each checkpoint, scores the 18 validation pairs at their native size by the project's
inference rule (`inference.evaluate_generator`) four ways: the live or the EMA weights (where the
checkpoint keeps an EMA), each with one pass or with the mirrored-pass average; then the paired
bootstrap (10,000 resamples over images, seed 0) of each knob against its absence, and of each
way against the lookup floor. Output: markdown.

  python scripts/inference_knobs.py ../shared/data/vcip2020 dense=artifacts/checkpoints/dense/phase3.pt ...
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator, score_outputs
from nircolor.references import apply_lookup, fit_lookup
from nircolor.stats import format_difference, paired_bootstrap

METRICS = ("psnr", "ssim", "ae")


def per_image(table) -> dict[str, np.ndarray]:
    rows = table.iloc[:-1]  # the last row is the average
    return {m: rows[m].to_numpy(dtype=np.float64) for m in METRICS}


def main() -> None:
    index = validate_dataset(sys.argv[1], decode=False)
    checkpoints = dict(a.split("=", 1) for a in sys.argv[2:])
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
