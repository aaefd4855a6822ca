"""Session 42: the scale the plan's rule would choose on pairs a model trained on. The v28 models (runs 65, 66; all 372
training pairs) scored on the 36 pairs the v30 runs hold out (for them, training pairs like any other).
usage: PYTHONPATH=src:. python docs/results/cpu_real_v34/trained_pairs.py DATA V30_RUN_OUT NAME=CKPT ..."""
import sys
from pathlib import Path

import torch

from nircolor.calibrate import fit_chroma_scale, heldout_pairs, read_manifest
from nircolor.data.validate import validate_dataset
from nircolor.inference import load_generator

torch.set_num_threads(1)
index = validate_dataset(sys.argv[1], decode=False)
pairs = heldout_pairs(index, read_manifest(Path(sys.argv[2]) / "packed"))
for spec in sys.argv[3:]:
    name, path = spec.split("=", 1)
    s, table = fit_chroma_scale(load_generator(Path(path))[0], pairs)
    print(f"## {name}: on {len(pairs)} of its own training pairs the rule chooses s = {s:g}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"), flush=True)
