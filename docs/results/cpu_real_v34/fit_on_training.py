"""Session 42, second look (not fixed by the plan, not counted): the plan's rule with s chosen on training pairs
the models trained on: the v28 runs 65-70 (all 372 pairs), on a seeded draw of 96 of them (numpy default_rng(0)). Writes OUT_DIR/<NAME>/eval_<variant>_fit.csv
(validation, per image, at that s) and prints the training-pair grid.
usage: PYTHONPATH=src:. python docs/results/cpu_real_v34/fit_on_training.py DATA OUT_DIR NAME=CKPT:VARIANT ..."""
import os
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.calibrate import fit_chroma_scale, rule_outputs
from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import load_generator, scale_chroma, score_outputs

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
index = validate_dataset(sys.argv[1], decode=False)
drawn = [index.pairs[i] for i in sorted(np.random.default_rng(0).choice(len(index.pairs), 96, replace=False))]
train = PairArrays(*load_pairs(drawn), stems=tuple(p.stem for p in drawn))
nir, rgb = load_pairs(index.validation)
val = PairArrays(nir=nir, rgb=rgb, stems=tuple(p.stem for p in index.validation))
for spec in sys.argv[3:]:
    name, rest = spec.split("=", 1)
    path, variant = rest.rsplit(":", 1)
    g = load_generator(Path(path))[0]
    s, table = fit_chroma_scale(g, train)
    images = (scale_chroma(rule_outputs(g, val), s) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    scores = score_outputs(val.stems, images, np.asarray(val.rgb))
    (Path(sys.argv[2]) / name).mkdir(parents=True, exist_ok=True)
    scores.to_csv(Path(sys.argv[2]) / name / f"eval_{variant}_fit.csv", index=False, float_format="%.4f")
    avg = scores.iloc[-1]
    print(f"## {name}: on {len(train)} of its training pairs the rule chooses s = {s:g}; validation at it "
          f"{avg['psnr']:.2f} / {avg['ssim']:.3f} / {avg['ae']:.2f}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"), flush=True)
