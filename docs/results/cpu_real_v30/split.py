"""The 2x2 of session 38 (initial-weights seed x data seed, the λ1-1 recipe's first 12 epochs): validation PSNR /
SSIM / AE of the four cells at epochs 4, 8, 12 (runs 51 and 52 for the uncrossed cells, from their logged curves;
runs 61 and 62 for the crossed ones), and the two main effects and the interaction per epoch. One replicate per
cell, no interval. From the project root: python docs/results/cpu_real_v30/split.py"""
import csv

CELLS = {(0, 0): ("docs/results/cpu_real_v25/val_curves.csv", "run51_seed0"),
         (1, 1): ("docs/results/cpu_real_v25/val_curves.csv", "run52_seed1"),
         (0, 1): ("docs/results/cpu_real_v30/val_curves.csv", "run61_seedi0_d1"),
         (1, 0): ("docs/results/cpu_real_v30/val_curves.csv", "run62_seedi1_d0")}
val = {}
for cell, (path, arm) in CELLS.items():
    for row in csv.DictReader(open(path)):
        if row["arm"] == arm and int(row["epoch"]) <= 12:
            val[cell, int(row["epoch"])] = {m: float(row[m]) for m in ("psnr", "ssim", "ae")}
for m, unit in (("psnr", " dB"), ("ssim", ""), ("ae", "°")):
    print(f"== {m}: cells (init seed, data seed)")
    for e in (4, 8, 12):
        v = {c: val[c, e][m] for c in CELLS}
        init = (v[1, 0] - v[0, 0] + v[1, 1] - v[0, 1]) / 2
        data = (v[0, 1] - v[0, 0] + v[1, 1] - v[1, 0]) / 2
        inter = (v[1, 1] - v[1, 0] - v[0, 1] + v[0, 0]) / 2
        cells = "  ".join(f"{c}: {v[c]:.3f}" for c in sorted(CELLS))
        print(f"epoch {e:2d}  {cells}  | init 1-0 {init:+.3f}{unit}, data 1-0 {data:+.3f}{unit}, "
              f"interaction {inter:+.3f}{unit}")
