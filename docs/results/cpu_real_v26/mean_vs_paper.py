"""The cycle-weight-1 recipe's four-seed mean (runs 51-54) against the paper's dense row, with a 95 %
bootstrap interval over the 18 validation images (10,000 resamples, seed 0; each image's score is the
mean over the four runs). From the project root: python docs/results/cpu_real_v26/mean_vs_paper.py"""
import numpy as np, pandas as pd
runs = ["docs/results/cpu_real_v25/run51", "docs/results/cpu_real_v25/run52",
        "docs/results/cpu_real_v26/run53", "docs/results/cpu_real_v26/run54"]
paper = {"psnr": 17.14, "ssim": 0.52, "ae": 5.93}
tabs = [pd.read_csv(f"{r}/eval_dense_plus.csv") for r in runs]
rng = np.random.default_rng(0)
idx = rng.integers(0, 18, size=(10_000, 18))
for m in ("psnr", "ssim", "ae"):
    col = [c for c in tabs[0].columns if c.endswith(m)][0]
    per_image = np.mean([t[col].to_numpy()[:18] for t in tabs], axis=0)
    boot = per_image[idx].mean(axis=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    print(f"{m}: four-seed mean {per_image.mean():.3f} [{lo:.3f}, {hi:.3f}], paper dense {paper[m]}, "
          f"mean - paper {per_image.mean() - paper[m]:+.3f}")
