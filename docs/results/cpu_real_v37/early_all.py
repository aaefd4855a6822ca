"""Session 45, added after runs 84 and 85 (not planned): does the validation PSNR early in a run predict its final one,
over every 84-epoch lambda1-1 dense_plus run with a curve? Session 39 read r = +0.89 at epoch 12 from four Zen 4 runs
(51-54), the premise of `train.starts`. Here: the plain recipe's nine runs (51-54 on a Zen 4, 372 pairs; 71 on the AMX
Xeon, 372 pairs; 82-85, v32 on the AMX Xeon, 336 pairs, whose epochs 1-12 are the kept start's) and the five runs with
a change that moved nothing measurable (55, 56, 59, 60: exposure gain; 63, 64: mean-colour term). Also, as session 39
did, what keeping the better of two runs by their early score would have given, over every pair of the plain runs
(an upper bound on a choice by held-out pairs: it reads the validation pairs themselves). Trains nothing.
From the project root: python docs/results/cpu_real_v37/early_all.py"""
import itertools

import numpy as np
import pandas as pd

R = "docs/results"
FILES = ["cpu_real_v25", "cpu_real_v26", "cpu_real_v27", "cpu_real_v29", "cpu_real_v31", "cpu_real_v33",
         "cpu_real_v36", "cpu_real_v37"]
c = pd.concat([pd.read_csv(f"{R}/{f}/val_curves.csv") for f in FILES], ignore_index=True)
c["run"] = c.arm.str.extract(r"^run(\d+)")[0].astype(int)
c = c[~c.arm.str.contains("_start") | c.arm.str.endswith("_start0")]  # v32: the kept start (0 in all four) before the choice
wide = c.drop_duplicates(["run", "epoch"]).pivot_table(index="run", columns="epoch", values="psnr")
PLAIN = [51, 52, 53, 54, 71, 82, 83, 84, 85]
OTHER = [55, 56, 59, 60, 63, 64]
print(wide.loc[PLAIN + OTHER, [8, 12, 16, 84]].to_string())
for e in (8, 12, 16, 32):
    r = {name: np.corrcoef(wide.loc[runs, e], wide.loc[runs, 84])[0, 1]
         for name, runs in (("plain, 9 runs", PLAIN), ("Zen 4 51-54", PLAIN[:4]), ("AMX Xeon 71, 82-85", PLAIN[4:]),
                            ("all 15", PLAIN + OTHER))}
    print(f"epoch {e:2d} vs 84: " + "; ".join(f"r = {v:+.2f} ({k})" for k, v in r.items()))
for e in (12, 16):
    kept, both = [], []
    for a, b in itertools.combinations(PLAIN, 2):
        win = a if wide.loc[a, e] >= wide.loc[b, e] else b
        kept.append(wide.loc[win, 84])
        both.append((wide.loc[a, 84] + wide.loc[b, 84]) / 2)
    print(f"better of two by epoch {e} over the {len(kept)} pairs of the plain runs: final {np.mean(kept):.3f} dB, "
          f"either at random {np.mean(both):.3f} dB ({np.mean(kept) - np.mean(both):+.3f})")
