"""Session 39, question B: a per-channel brightness offset fit on the training pairs alone, added after training.

For each checkpoint: the mean of (target - output) per channel over all 372 training pairs, the output taken by the
inference rule that `evaluate` and `nircolor colorize` share (EMA generator, phase and flip average; before the
8-bit rounding), in [0, 1]; then the 18 validation pairs scored plainly (this must reproduce the run's own
eval table) and with the offset added to every output before the clamp and the rounding. No validation pair is
used to fit anything. Writes <out>/<name>/eval_dense_plus.csv (plain) and <out>/<name>_cal/eval_dense_plus.csv
(calibrated), and one line per checkpoint on stdout.
Usage (project root): PYTHONPATH=src python docs/results/cpu_real_v31/calibrate.py PACKED OUT NAME:CKPT ...
"""
import sys
from pathlib import Path

import numpy as np
import torch

from nircolor.data.packed import load_packed
from nircolor.inference import colorize, evaluate_generator, load_generator

import os
torch.set_num_threads(int(os.environ.get("THREADS", 2)))
packed, out = sys.argv[1], Path(sys.argv[2])
train, val, _ = load_packed(packed)
n = int(os.environ.get("N_TRAIN", len(train.paired)))  # fewer: the pre-plan probe (N_TRAIN=96, offset.txt)
nir_t, rgb_t = train.paired.nir[:n], train.paired.rgb[:n]
for arg in sys.argv[3:]:
    name, ckpt = arg.split(":", 1)
    g, _ = load_generator(ckpt)
    total = torch.zeros(3, dtype=torch.float64)
    for s in range(0, len(nir_t), 6):
        x = torch.from_numpy(np.array(nir_t[s:s + 6])).float().div(255).unsqueeze(1)
        y = colorize(g, x).double()
        t = torch.from_numpy(np.array(rgb_t[s:s + 6])).permute(0, 3, 1, 2).double().div(255)
        total += (t - y).sum(dim=(0, 2, 3))
    offset = (total / (len(nir_t) * nir_t.shape[1] * nir_t.shape[2])).float()
    rows = {}
    for tag, rule in (("", colorize), ("_cal", lambda g, x: (colorize(g, x) + offset.view(1, 3, 1, 1)).clamp(0, 1))):
        table, _ = evaluate_generator(g, val, rule=rule)
        (out / f"{name}{tag}").mkdir(parents=True, exist_ok=True)
        table.to_csv(out / f"{name}{tag}" / "eval_dense_plus.csv", index=False)
        rows[tag] = table.iloc[-1]
    d = rows["_cal"][["psnr", "ssim", "ae"]] - rows[""][["psnr", "ssim", "ae"]]
    print(f"{name}: offset (levels of 255) {np.round(offset.numpy() * 255, 2)}; plain {rows[''].psnr:.3f} / "
          f"{rows[''].ssim:.4f} / {rows[''].ae:.3f}; calibrated {rows['_cal'].psnr:.3f} / {rows['_cal'].ssim:.4f} / "
          f"{rows['_cal'].ae:.3f}; delta {d.psnr:+.3f} / {d.ssim:+.4f} / {d.ae:+.3f}", flush=True)
