"""Session 42, the plan's rule (README.md): for each run, the saturation scale s chosen on its 36 held-out training
pairs (`nircolor.calibrate.fit_chroma_scale`: lowest mean AE over s = 0.30, 0.35, ..., 1.00), the validation
per-image table at that s (RUN_DIR/eval_<variant>_fit.csv, beside collect_runs.sh's eval_<variant>.csv at s = 1),
and, as the plan's second look (not counted), the mean validation scores at every s of the grid.
usage: PYTHONPATH=src:. python docs/results/cpu_real_v34/scale.py DATA OUT_DIR NAME=TRAIN_OUT:VARIANT ...
writes OUT_DIR/<NAME>/eval_<variant>_fit.csv and prints one block per run."""
import os
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.calibrate import choose_scale, fit_chroma_scale, heldout_pairs, read_manifest, rule_outputs, score_scales
from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import load_generator, scale_chroma, score_outputs

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
index = validate_dataset(sys.argv[1], decode=False)
out_root = Path(sys.argv[2])
nir, rgb = load_pairs(index.validation)
val = PairArrays(nir=nir, rgb=rgb, stems=tuple(p.stem for p in index.validation))

for spec in sys.argv[3:]:
    name, rest = spec.split("=", 1)
    run, variant = rest.rsplit(":", 1)
    run = Path(run)
    g, meta = load_generator(run / "checkpoints" / variant / "phase3.pt")
    held = heldout_pairs(index, read_manifest(run / "packed"))
    s, held_table = fit_chroma_scale(g, held)
    y = rule_outputs(g, val)
    images = (scale_chroma(y, s) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    table = score_outputs(val.stems, images, np.asarray(val.rgb))
    (out_root / name).mkdir(parents=True, exist_ok=True)
    table.to_csv(out_root / name / f"eval_{variant}_fit.csv", index=False, float_format="%.4f")
    val_grid = score_scales(y, val)
    print(f"## {name} ({variant}, {run}): {len(held)} held-out pairs, chosen s = {s:g}; "
          f"the validation pairs would choose s = {choose_scale(val_grid):g} (second look, not counted)")
    merged = held_table.merge(val_grid, on="chroma_scale", suffixes=("_heldout", "_val"))
    print(merged.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    avg = table.iloc[-1]
    print(f"validation at s = {s:g}: {avg['psnr']:.2f} / {avg['ssim']:.3f} / {avg['ae']:.2f}\n", flush=True)
