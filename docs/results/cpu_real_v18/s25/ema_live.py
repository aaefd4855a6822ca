"""Live weights against the EMA, run by run and pooled over a group of runs.

Each RUN is two Table I CSVs of one checkpoint on the 18 validation pairs: the EMA weights (what
`evaluate` scores) and the live weights (`scripts/rescore.py --weights live`). Per run: the mean
of live − EMA with the project's paired bootstrap over images. Per group: the same difference
bootstrapped over images and over the group's runs together (`stats.paired_bootstrap` on the
(runs, images) matrix of per-image differences against zero, so each run stays paired with itself).

  PYTHONPATH=src python ema_live.py GROUP=NAME:EMA.csv:LIVE.csv[,NAME:EMA.csv:LIVE.csv...] ...
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from nircolor.comparison import per_image
from nircolor.stats import METRICS, format_difference, paired_bootstrap


def scores(path: str) -> pd.DataFrame:
    return per_image(pd.read_csv(path))


def main(argv: list[str]) -> None:
    print("| group | run | EMA PSNR / SSIM / AE | live PSNR / SSIM / AE |")
    print("|---|---|---|---|")
    notes = []
    for arg in argv:
        group, _, runs = arg.partition("=")
        diffs = {m: [] for m in METRICS}
        for run in runs.split(","):
            name, ema_csv, live_csv = run.split(":")
            ema, live = scores(ema_csv), scores(live_csv)
            if list(ema.index) != list(live.index):
                raise SystemExit(f"{name}: the two tables score different images")
            print(f"| {group} | {name} | " + " / ".join(f"{ema[m].mean():.3f}" for m in METRICS)
                  + " | " + " / ".join(f"{live[m].mean():.3f}" for m in METRICS) + " |")
            for m in METRICS:
                d = paired_bootstrap(live[m].to_numpy(), ema[m].to_numpy(), m)
                notes.append(format_difference(d, f"{name} live", "EMA"))
                diffs[m].append(live[m].to_numpy() - ema[m].to_numpy())
        if len(runs.split(",")) > 1:
            for m in METRICS:
                mat = np.stack(diffs[m])
                d = paired_bootstrap(mat, np.zeros_like(mat), m)
                notes.append(format_difference(d, f"{group} ({len(mat)} runs) live", "EMA"))
    print()
    for line in notes:
        print(f"- {line}")


if __name__ == "__main__":
    main(sys.argv[1:])
