"""Session 39: would a start chosen by its early validation score end higher? Over the eight 84-epoch λ1-1 runs
(runs 51-54 without the exposure gain, 55, 56, 59, 60 with it), the correlation between the EMA validation PSNR
at an early epoch and at epoch 84, from the runs' curves. This reads the validation pairs themselves, so it is an
upper bound on what choosing by a held-out part of the training pairs could do; it trains nothing.
From the project root: python docs/results/cpu_real_v31/early.py"""
import numpy as np
import pandas as pd

CURVES = ["docs/results/cpu_real_v25/val_curves.csv", "docs/results/cpu_real_v26/val_curves.csv",
          "docs/results/cpu_real_v27/val_curves.csv", "docs/results/cpu_real_v29/val_curves.csv"]
c = pd.concat([pd.read_csv(f) for f in CURVES])
c = c[c.arm.str.match(r"run(5[1-6]|59|60)_")]
wide = c.pivot_table(index="arm", columns="epoch", values="psnr")
print(wide[[8, 12, 16, 26, 84]].to_string())
gain = wide.index.str.match(r"run(5[5-6]|59|60)_")
for e in (8, 12, 16, 26, 40):
    r_all = np.corrcoef(wide[e], wide[84])[0, 1]
    r_none = np.corrcoef(wide[e][~gain], wide[84][~gain])[0, 1]
    r_gain = np.corrcoef(wide[e][gain], wide[84][gain])[0, 1]
    print(f"epoch {e:2d} vs 84: r = {r_all:+.2f} (8 runs); without the gain {r_none:+.2f}, with it {r_gain:+.2f} (4 runs each)")
# what keeping the better of two starts of one recipe by its epoch-12 score would have given (6 pairs per recipe)
for label, sel in (("without the gain", ~gain), ("with the gain", gain)):
    e12, e84 = wide[12].to_numpy()[sel], wide[84].to_numpy()[sel]
    best = [e84[i] if e12[i] >= e12[j] else e84[j] for i in range(4) for j in range(i + 1, 4)]
    print(f"{label}: the better of two starts by epoch 12 ends at {np.mean(best):.3f} dB on average over the 6 pairs; "
          f"either start at random {e84.mean():.3f} dB")
