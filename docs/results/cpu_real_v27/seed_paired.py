"""Runs 55 and 56 (the exposure gain, seeds 0 and 1) minus runs 51 and 52 (the same recipe and seeds without it),
paired by seed and by image: the project's bootstrap (nircolor.stats.paired_bootstrap) of the per-seed, per-image
differences (seeds × images) against zero, resampling images and seeds. From the project root:
PYTHONPATH=src python docs/results/cpu_real_v27/seed_paired.py"""
import numpy as np
import pandas as pd

from nircolor.comparison import per_image
from nircolor.stats import METRICS, UNITS, paired_bootstrap

PAIRS = [("docs/results/cpu_real_v27/run55", "docs/results/cpu_real_v25/run51"),
         ("docs/results/cpu_real_v27/run56", "docs/results/cpu_real_v25/run52")]


def scores(run: str, m: str) -> np.ndarray:
    return per_image(pd.read_csv(f"{run}/eval_dense_plus.csv"))[m].to_numpy()  # the 18 images


for m in METRICS:
    diff = np.stack([scores(a, m) - scores(b, m)
                     for a, b in PAIRS])  # (seeds, images)
    d = paired_bootstrap(diff, np.zeros(diff.shape[1]), m)
    print(f"{m}: exposure - none, seed-paired, {diff.shape[0]} seeds x {diff.shape[1]} images: "
          f"{d.mean:+.3f}{UNITS[m]} [{d.low:+.3f}, {d.high:+.3f}]; per seed {', '.join(f'{v:+.3f}' for v in diff.mean(1))}")
