"""The cycle-weight-1 recipe's four-seed mean (runs 51-54) against the paper's dense row: the project's
bootstrap (nircolor.stats.paired_bootstrap: 10,000 resamples of images and seeds, seed 0) of the mean minus
the paper's average, which is one number per metric (the paper's per-image values are not paired here).
From the project root: PYTHONPATH=src python docs/results/cpu_real_v26/mean_vs_paper.py
Other runs (session 37 on): the run folders (each holding eval_dense_plus.csv) as arguments."""
import sys

import numpy as np
import pandas as pd

from nircolor.comparison import per_image
from nircolor.stats import METRICS, UNITS, paired_bootstrap

RUNS = ["docs/results/cpu_real_v25/run51", "docs/results/cpu_real_v25/run52",
        "docs/results/cpu_real_v26/run53", "docs/results/cpu_real_v26/run54"]
RUNS = sys.argv[1:] or RUNS
N = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(len(RUNS), str(len(RUNS)))
PAPER_DENSE = {"psnr": 17.14, "ssim": 0.52, "ae": 5.93}
# per_image: the 18 images without the table's average row (session 36: it was read as a 19th image)
tables = [per_image(pd.read_csv(f"{run}/eval_dense_plus.csv")) for run in RUNS]
for m in METRICS:
    runs = np.stack([t[m].to_numpy() for t in tables])  # (seeds, images)
    d = paired_bootstrap(runs, np.full(runs.shape[1], PAPER_DENSE[m]), m)
    print(f"{m}: {N}-seed mean {runs.mean():.3f}{UNITS[m]}, paper dense {PAPER_DENSE[m]}{UNITS[m]}, "
          f"mean - paper {d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}] (images x seeds)")
