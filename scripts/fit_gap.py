"""Does a model underfit or fail to generalise? Its scores on training pairs against its scores on
the validation pairs.

For each checkpoint: PSNR / SSIM / AE by the project's inference rule (`evaluate_generator`: the
checkpoint's own weights and mirrored setting, native 256 px, 8-bit outputs) on a seeded draw of
the training pairs (`--limit`, default 96; 0 = all 372) and on the 18 validation pairs, with the
lookup floor on both (on the training pairs the lookup is in-sample: it was fit on them). The
training pairs are scored whole and untouched, not as the augmented crops the model was trained on.
A model far better on the training pairs than on the validation pairs is limited by what it
generalises; one that is no better is limited by what it fits. Output: markdown.

  python scripts/fit_gap.py [--limit 96] ../shared/data/vcip2020 dense_plus=artifacts/checkpoints/dense_plus/phase3.pt ...
"""

from __future__ import annotations

import sys

import numpy as np

from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator, score_outputs
from nircolor.references import apply_lookup, fit_lookup

METRICS = ("psnr", "ssim", "ae")


def means(table) -> str:
    rows = table.iloc[:-1]  # the last row is the average
    cells = []
    for m, fmt in zip(METRICS, ("{:.2f}", "{:.3f}", "{:.2f}")):
        v = rows[m].to_numpy(dtype=np.float64)
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
        cells.append(f"{fmt.format(v.mean())} ± {fmt.format(se)}")
    return " | ".join(cells)


def main() -> None:
    args, limit = sys.argv[1:], 96
    if args[:1] == ["--limit"]:
        limit, args = int(args[1]), args[2:]
    if len(args) < 2 or limit < 0:
        raise SystemExit(__doc__)
    index = validate_dataset(args[0], decode=False)
    checkpoints = dict(a.split("=", 1) for a in args[1:])
    pairs = list(index.pairs)
    if limit and limit < len(pairs):
        keep = np.sort(np.random.default_rng(0).choice(len(pairs), size=limit, replace=False))
        pairs = [pairs[i] for i in keep]
    lookup = fit_lookup(*load_pairs(index.pairs))
    sets = {}
    for name, paths in (("training", pairs), ("validation", list(index.validation))):
        nir, rgb = load_pairs(paths)
        sets[name] = PairArrays(nir, rgb, tuple(p.stem for p in paths))
    drawn = " (seeded draw, seed 0)" if len(pairs) < len(index.pairs) else ""
    print(f"Scored at 256 px (native): {len(pairs)} training pairs{drawn} and "
          f"{len(index.validation)} validation pairs; mean ± standard error over images.\n")
    print("| model | pairs | PSNR (dB) | SSIM | AE (°) |")
    print("|---|---|---:|---:|---:|")
    for name, data in sets.items():
        table = score_outputs(data.stems, apply_lookup(lookup, np.asarray(data.nir)), np.asarray(data.rgb))
        print(f"| lookup{' (in-sample)' if name == 'training' else ''} | {name} | {means(table)} |")
    for model, path in checkpoints.items():
        g, _ = load_generator(path)
        for name, data in sets.items():
            table, _ = evaluate_generator(g, data)
            print(f"| {model} | {name} | {means(table)} |", flush=True)


if __name__ == "__main__":
    main()
