"""Runs 55 and 56 (the exposure gain, seeds 0 and 1) minus runs 51 and 52 (the same recipe and seeds without it),
paired by seed and by image: the project's bootstrap (nircolor.stats.paired_bootstrap) of the per-seed, per-image
differences (seeds × images) against zero, resampling images and seeds. From the project root:
PYTHONPATH=src python docs/results/cpu_real_v27/seed_paired.py
Other runs (session 37 on): --label "A - B" A_RUN:B_RUN ... (each a folder holding eval_dense_plus.csv, or, session
40 on, a per-image table's own path ending in .csv, so that two variants' runs pair too).
"""
import argparse

import numpy as np
import pandas as pd

from nircolor.comparison import per_image
from nircolor.stats import METRICS, UNITS, paired_bootstrap

PAIRS = [("docs/results/cpu_real_v27/run55", "docs/results/cpu_real_v25/run51"),
         ("docs/results/cpu_real_v27/run56", "docs/results/cpu_real_v25/run52")]


def scores(run: str, m: str) -> np.ndarray:
    table = run if run.endswith(".csv") else f"{run}/eval_dense_plus.csv"
    return per_image(pd.read_csv(table))[m].to_numpy()  # the 18 images


ap = argparse.ArgumentParser()
ap.add_argument("--label", default="exposure - none")
ap.add_argument("pairs", nargs="*", help="A_RUN:B_RUN, one per seed")
args = ap.parse_args()
if args.pairs:
    PAIRS = [tuple(p.split(":")) for p in args.pairs]
for m in METRICS:
    diff = np.stack([scores(a, m) - scores(b, m)
                     for a, b in PAIRS])  # (seeds, images)
    d = paired_bootstrap(diff, np.zeros(diff.shape[1]), m)
    print(f"{m}: {args.label}, seed-paired, {diff.shape[0]} seeds x {diff.shape[1]} images: "
          f"{d.mean:+.3f}{UNITS[m]} [{d.low:+.3f}, {d.high:+.3f}]; per seed {', '.join(f'{v:+.3f}' for v in diff.mean(1))}")
