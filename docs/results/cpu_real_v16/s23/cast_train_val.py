"""Is a trained model's colour cast a fitting limit or a generalisation gap?

The colour cast (the angle between an image's mean output colour and its mean true colour, as in
session 14's ae_split.py) of each checkpoint (EMA weights, its own inference rule) and of the
lookup floor, on N training pairs (which the model and the table were fit on) and on the 18
validation pairs, 256 px. If a model's cast on its own training images is no smaller than the
lookup's, the model does not fit image-wide colour at all; if it is much smaller there than on
validation, it fits it but the fit does not carry over to new scenes.
usage: PYTHONPATH=src:. python cast_train_val.py DATA N name=ckpt.pt ...
"""
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator
from nircolor.references import apply_lookup, fit_lookup

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "scripts"))
from colour_split import cast  # noqa: E402  (per image: mean output colour against mean true colour)

torch.set_num_threads(1)


index = validate_dataset(sys.argv[1], decode=False)
n = int(sys.argv[2])
train_nir, train_rgb = load_pairs(index.pairs)
val_nir, val_rgb = load_pairs(index.validation)
pick = np.linspace(0, len(train_nir) - 1, n).round().astype(int)  # evenly spread, fixed
sets = {
    "train": (train_nir[pick], train_rgb[pick], tuple(index.pairs[i].stem for i in pick)),
    "validation": (val_nir, val_rgb, tuple(p.stem for p in index.validation)),
}
table = fit_lookup(train_nir, train_rgb)
rows = {"lookup (floor)": {k: cast(apply_lookup(table, nir), rgb) for k, (nir, rgb, _) in sets.items()}}
for spec in sys.argv[3:]:
    name, path = spec.split("=", 1)
    g, _ = load_generator(path)
    rows[name] = {k: cast(evaluate_generator(g, PairArrays(nir=nir, rgb=rgb, stems=s))[1], rgb)
                  for k, (nir, rgb, s) in sets.items()}
print(f"| model | cast, {n} training pairs (°) | cast, 18 validation pairs (°) |")
print("|---|---:|---:|")
for name, r in rows.items():
    print(f"| {name} | {r['train'].mean():.2f} | {r['validation'].mean():.2f} |", flush=True)
