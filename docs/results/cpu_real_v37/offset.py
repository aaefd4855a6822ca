"""Session 45, plan B: a per-channel colour offset fit on each run's 36 held-out training pairs, added after training.

For each model: its saturation scale s fit on the held-out pairs (`calibrate.fit_chroma_scale`, as `evaluate` does),
then o_c = the mean over every held-out pixel of (target - output) in channel c, the output by the model's inference
rule with s (before the 8-bit rounding), in [0, 1]; the 18 validation pairs scored plainly (must reproduce the run's
committed table) and with o added to every output before the clamp and the rounding. No validation pair fits anything.
Writes <out>/<name>/eval_<variant>.csv (plain) and <out>/<name>_off/eval_<variant>.csv, one line per model on stdout.
Usage (project root): PYTHONPATH=src python docs/results/cpu_real_v37/offset.py DATA OUT NAME:RUN_DIR:VARIANT:TABLE ...
(RUN_DIR: a `nircolor train` output with checkpoints/<variant>/phase3.pt and packed/; TABLE: its committed table)
"""
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from nircolor.calibrate import fit_chroma_scale, heldout_pairs, read_manifest, rule_outputs
from nircolor.comparison import per_image
from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import colorize, evaluate_generator, load_generator, scale_chroma

torch.set_num_threads(int(os.environ.get("THREADS", 1)))
data, out = Path(sys.argv[1]), Path(sys.argv[2])
index = validate_dataset(data)
val = PairArrays(*load_pairs(index.validation), tuple(p.stem for p in index.validation))
for arg in sys.argv[3:]:
    name, run, variant, committed = arg.split(":")
    held = heldout_pairs(index, read_manifest(Path(run) / "packed"))
    g, _ = load_generator(Path(run) / "checkpoints" / variant / "phase3.pt")
    s, _ = fit_chroma_scale(g, held)
    y = scale_chroma(rule_outputs(g, held), s).double()  # (N, 3, H, W) in [0, 1], before rounding
    t = torch.from_numpy(np.asarray(held.rgb)).permute(0, 3, 1, 2).double().div(255)
    offset = (t - y).mean(dim=(0, 2, 3)).float()  # (3,)
    g.chroma_scale = s
    rows = {}
    for tag, rule in (("", colorize), ("_off", lambda g, x: (colorize(g, x) + offset.view(1, 3, 1, 1)).clamp(0, 1))):
        table, _ = evaluate_generator(g, val, rule=rule)
        (out / f"{name}{tag}").mkdir(parents=True, exist_ok=True)
        table.to_csv(out / f"{name}{tag}" / f"eval_{variant}.csv", index=False)
        rows[tag] = table.iloc[-1]
    ref = per_image(pd.read_csv(committed))
    gap = (per_image(pd.read_csv(out / name / f"eval_{variant}.csv")) - ref).abs().to_numpy().max()
    d = rows["_off"][["psnr", "ssim", "ae"]] - rows[""][["psnr", "ssim", "ae"]]
    print(f"{name} ({variant}, {len(held)} held-out pairs): s {s:.2f}; offset (levels of 255) "
          f"{np.round(offset.numpy() * 255, 2)}; plain {rows[''].psnr:.3f} / {rows[''].ssim:.4f} / {rows[''].ae:.3f} "
          f"(largest per-image gap to the committed table {gap:.2e}); with offset {rows['_off'].psnr:.3f} / "
          f"{rows['_off'].ssim:.4f} / {rows['_off'].ae:.3f}; delta {d.psnr:+.3f} / {d.ssim:+.4f} / {d.ae:+.3f}", flush=True)
