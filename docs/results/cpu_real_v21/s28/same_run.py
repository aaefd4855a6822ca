"""Are two runs of one recipe the same run? Compares two folders of DVC outputs copied from
`artifacts/` (eval_<variant>.csv, losses_<variant>_phaseN.csv, val_<variant>_phaseN.csv):
every loss of every epoch, every validation score and every per-image score must be equal to
the last bit; the timing columns are reported, not compared.

  python docs/results/cpu_real_v21/s28/same_run.py dense_plus RUN_A_DIR RUN_B_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path
from statistics import median

import pandas as pd

TIMING = {"seconds", "images_per_s"}


def main() -> int:
    variant, a, b = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    differ = 0
    names = [f"eval_{variant}.csv"] + [f"{k}_{variant}_phase{p}.csv" for k in ("losses", "val") for p in (1, 2, 3)]
    for name in names:
        x, y = pd.read_csv(a / name), pd.read_csv(b / name)
        cols = [c for c in x.columns if c not in TIMING]
        if x.shape != y.shape or list(x.columns) != list(y.columns):
            print(f"{name}: shapes or columns differ {x.shape} {y.shape}")
            differ += 1
            continue
        diff = x[cols].ne(y[cols])
        n = int(diff.to_numpy().sum())
        print(f"{name}: {len(x)} rows x {len(cols)} columns compared, {n} values differ")
        differ += n
    for run in (a, b):
        eps, phases = [], []
        for p in (1, 2, 3):
            s = pd.read_csv(run / f"losses_{variant}_phase{p}.csv").seconds
            eps += list(s)
            phases.append(f"{s.sum() / 60:.1f}")
        print(f"{run}: training {sum(eps) / 60:.1f} min (phases {' / '.join(phases)} min), "
              f"epoch min / median / max {min(eps):.0f} / {median(eps):.0f} / {max(eps):.0f} s")
    print("the same run to the last bit" if differ == 0 else f"{differ} values differ")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
