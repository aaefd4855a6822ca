"""Score the mean output of several checkpoints on the 18 validation pairs (a diagnostic, not a recipe).

Each checkpoint is applied by its own inference rule (`nircolor.inference.colorize`: EMA weights,
mirror and phase average as trained); the outputs are averaged in [0, 1], rounded to 8 bits and
scored at 256 px like `evaluate`. Prints each member's average and the ensemble's, and writes the
ensemble's Table I CSV for `nircolor compare --table`.

  PYTHONPATH=src:. python docs/results/cpu_real_v11/s16/ensemble.py ../shared/data/vcip2020 OUT.csv a.pt b.pt
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.inference import colorize, load_generator, score_outputs


def main() -> None:
    data, out, *ckpts = sys.argv[1:]
    if not ckpts:
        sys.exit(__doc__)
    index = validate_dataset(data, decode=False)
    nir, rgb = load_pairs(index.validation)
    stems = tuple(q.stem for q in index.validation)
    x = torch.from_numpy(np.array(nir)).float().div(255.0).unsqueeze(1)
    total = None
    for path in ckpts:
        g, meta = load_generator(path)
        with torch.no_grad():
            y = torch.cat([colorize(g, x[i : i + 6]) for i in range(0, len(x), 6)])
        own = score_outputs(stems, (y * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy(), np.array(rgb))
        a = own.iloc[-1]
        print(f"{path}: {meta['variant']}: {a['psnr']:.2f} / {a['ssim']:.3f} / {a['ae']:.2f}")
        total = y if total is None else total + y
    mean = (total / len(ckpts) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    table = score_outputs(stems, mean, np.array(rgb))
    a = table.iloc[-1]
    print(f"mean of {len(ckpts)}: {a['psnr']:.2f} / {a['ssim']:.3f} / {a['ae']:.2f} → {out}")
    Path(out).write_text(table.to_csv(index=False))


if __name__ == "__main__":
    main()
