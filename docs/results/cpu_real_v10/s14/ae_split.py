"""Where a model's angular error (AE) comes from, on the 18 validation pairs at 256 px.

For each checkpoint (EMA weights and the inference rule it records, as `evaluate` uses them) and
for the lookup floor, per image and averaged:
  AE             the challenge's mean per-pixel angle between output and true RGB (degrees)
  AE, true mean  the same after each image's mean colour is replaced by the true one
  cast           the angle between the image's mean output colour and its mean true colour
  chroma ratio   mean |RGB − gray| of the output over the truth's (1 = as colourful as the truth)
usage: PYTHONPATH=src:. python ae_split.py DATA name=ckpt.pt ...
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
from colour_split import cast, scores  # noqa: E402  (the challenge's metrics on rounded 8-bit outputs; the cast)

torch.set_num_threads(1)


def chroma(x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x - x.mean(-1, keepdims=True), axis=-1).mean((1, 2))


index = validate_dataset(sys.argv[1], decode=False)
val_nir, val_rgb = load_pairs(index.validation)
truth = val_rgb.astype(np.float64)
target = torch.from_numpy(truth / 255.0).permute(0, 3, 1, 2)
outputs = {"lookup (floor)": apply_lookup(fit_lookup(*load_pairs(index.pairs)), val_nir)}
for spec in sys.argv[2:]:
    name, path = spec.split("=", 1)
    g, _ = load_generator(path)
    val = PairArrays(nir=val_nir, rgb=val_rgb, stems=tuple(p.stem for p in index.validation))
    outputs[name] = evaluate_generator(g, val)[1]
print("| model | AE | AE, true mean colour | colour cast | chroma ratio |")
print("|---|---:|---:|---:|---:|")
for name, pred in outputs.items():
    pred = pred.astype(np.float64)
    shifted = pred - pred.mean((1, 2), keepdims=True) + truth.mean((1, 2), keepdims=True)
    print(f"| {name} | {scores(pred, target)['ae']:.2f} | {scores(shifted, target)['ae']:.2f} | {cast(pred, truth).mean():.2f} "
          f"| {(chroma(pred) / chroma(truth)).mean():.2f} |", flush=True)
