"""What the NIR contrast augmentation does to the per-intensity information (session 24).

The pipeline's contrast draw (augment.contrast_range (0.5, 1.5), under the p_contrast_crop 0.8
gate) stretches a training NIR about its own mean while its RGB stays put. This fits the lookup
floor (mean RGB per NIR intensity, references.fit_lookup) on the 372 training pairs seen through
that draw (K copies of each pair, each with its own gate and α, the pipeline's formula from
augment_torch._contrast) and scores it on the 18 validation pairs, whose NIR is never stretched,
against the lookup fit on the plain pairs. The crop and mirror are left out: they move pixels,
not intensities, so a per-intensity table cannot see them. Metrics: the project's, 256 px,
outputs rounded to 8 bits (scripts/colour_split.scores); the cast as in scene_colour.py.
usage: PYTHONPATH=src:. python lookup_contrast.py DATA [K]
"""
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.augment_torch import _contrast
from nircolor.config import AugmentConfig
from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.references import apply_lookup, fit_lookup

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "scripts"))
from colour_split import cast, scores  # noqa: E402

index = validate_dataset(sys.argv[1], decode=False)
k = int(sys.argv[2]) if len(sys.argv) > 2 else 4
tn, tr = load_pairs(index.pairs)
vn, vr = load_pairs(index.validation)
target = torch.from_numpy(vr / 255.0).permute(0, 3, 1, 2)
gen = torch.Generator().manual_seed(0)
pipeline = AugmentConfig()  # the defaults every variant trains with: gate 0.8, α ∈ (0.5, 1.5)


def report(name: str, table: np.ndarray) -> None:
    pred = apply_lookup(table, vn).astype(np.float64)
    s = scores(pred, target)
    print(f"{name:<44} PSNR {s['psnr']:6.2f}  SSIM {s['ssim']:.3f}  AE {s['ae']:.2f}  "
          f"cast {cast(pred, vr).mean():.2f}")


report("lookup, plain training pairs", fit_lookup(tn, tr))
for lo, hi in ((0.9, 1.1), (0.75, 1.25), tuple(pipeline.contrast_range)):
    nirs = []
    for _ in range(k):
        gate = torch.rand(len(tn), generator=gen) < pipeline.p_contrast_crop
        alpha = torch.empty(len(tn)).uniform_(lo, hi, generator=gen)
        alpha = torch.where(gate, alpha, torch.ones_like(alpha))
        nirs.append(_contrast(torch.from_numpy(tn), alpha).numpy())
    table = fit_lookup(np.concatenate(nirs), np.concatenate([tr] * k))
    report(f"lookup, {k} contrast draws per pair, α ∈ [{lo}, {hi}]", table)
