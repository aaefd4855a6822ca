"""How the validation pairs' colour relates to their NIR, against the training pairs: mean levels,
and the per-intensity lookup's (fit on the training pairs) mean error on each set."""
import sys, numpy as np
from nircolor.data.packed import load_packed, load_lookup
tr, val, _ = load_packed(sys.argv[1]); lut = load_lookup(sys.argv[1])
for name, p in (("train (372)", tr.paired), ("val (18)", val)):
    nir = np.asarray(p.nir).astype(np.float64); rgb = np.asarray(p.rgb).astype(np.float64)
    pred = lut[np.asarray(p.nir)].astype(np.float64)
    err = (rgb - pred).mean(axis=(1, 2))  # per image, per channel
    print(f"{name}: NIR mean {nir.mean():.1f}, RGB mean {rgb.mean(axis=(0,1,2)).round(1)}, "
          f"lookup mean error (target - lookup) {err.mean(0).round(2)} (sd over images {err.std(0).round(1)}); "
          f"images brighter than lookup: {(err.mean(1) > 0).sum()}/{len(err)}")
