"""Session 40 (a diagnostic, not a recipe): how much of the paper variants' AE is their scene colour? Each model's
validation outputs (its own inference rule, as `evaluate`) scored as they are and with each image's mean colour
replaced by `lookup`'s mean colour for that image (no oracle: `lookup` is fit on the training pairs and sees only
the NIR), against `lookup` itself: the mean difference with the project's paired bootstrap over the 18 images.
usage: PYTHONPATH=src:. python docs/results/cpu_real_v32/cast_swap.py DATA name=ckpt.pt ..."""
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator, score_outputs
from nircolor.references import apply_lookup, fit_lookup
from nircolor.stats import paired_bootstrap

torch.set_num_threads(1)
index = validate_dataset(sys.argv[1], decode=False)
nir, rgb = load_pairs(index.validation)
stems = tuple(p.stem for p in index.validation)
val = PairArrays(nir=nir, rgb=rgb, stems=stems)
lookup = apply_lookup(fit_lookup(*load_pairs(index.pairs)), nir).astype(np.float64)


def table(pred: np.ndarray):
    out = np.clip(np.rint(pred), 0, 255).astype(np.uint8)
    return score_outputs(stems, out, np.asarray(rgb)).iloc[:-1]  # the 18 images, without the average row


floor = table(lookup)
print("| model | AE | − lookup (95 % interval) | PSNR | − lookup | AE with lookup's scene colour | − lookup (95 % interval) "
      "| PSNR with it | − lookup |")
print("|---|---:|---|---:|---|---:|---|---:|---|")
for spec in sys.argv[2:]:
    name, path = spec.split("=", 1)
    g, _ = load_generator(Path(path))
    pred = evaluate_generator(g, val)[1].astype(np.float64)
    swapped = pred - pred.mean((1, 2), keepdims=True) + lookup.mean((1, 2), keepdims=True)
    cells = []
    for t in (table(pred), table(swapped)):
        for m, unit in (("ae", "°"), ("psnr", " dB")):
            d = paired_bootstrap(t[m].to_numpy(), floor[m].to_numpy(), m)
            cells += [f"{t[m].mean():.2f}", f"{d.mean:+.2f}{unit} [{d.low:.2f}, {d.high:.2f}]"]
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
