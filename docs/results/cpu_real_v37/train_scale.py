"""Session 45, plan C: the saturation scale fit on 96 of the pairs each model trained on, against the one fit on its 36
held-out pairs (the scale its final.pt holds). Writes OUT/<name>/eval_<variant>.csv (validation at s_train) and one
line per model. Usage (project root):
PYTHONPATH=src python docs/results/cpu_real_v37/train_scale.py DATA OUT NAME:RUN_DIR:VARIANT:HELD_TABLE ...
(HELD_TABLE: the model's committed validation table at s_held)"""
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from nircolor.calibrate import fit_chroma_scale, read_manifest
from nircolor.comparison import per_image
from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training.checkpoint import load_checkpoint

torch.set_num_threads(int(os.environ.get("THREADS", 2)))
data, out = Path(sys.argv[1]), Path(sys.argv[2])
index = validate_dataset(data)
val = PairArrays(*load_pairs(index.validation), tuple(p.stem for p in index.validation))
for arg in sys.argv[3:]:
    name, run, variant, held_table = arg.split(":")
    trained = set(read_manifest(Path(run) / "packed")["train_stems"])
    pool = [p for p in index.pairs if p.stem in trained]  # stem order
    drawn = [pool[i] for i in sorted(np.random.default_rng(0).choice(len(pool), 96, replace=False))]
    pairs = PairArrays(*load_pairs(drawn), tuple(p.stem for p in drawn))
    ckpt = Path(run) / "checkpoints" / variant / "phase3.pt"
    final = Path(run) / "checkpoints" / variant / "final.pt"
    s_held = (float(load_checkpoint(final)["config"]["model"]["chroma_scale"]) if final.is_file()
              else float(load_checkpoint(Path(run) / "calibrated.pt")["config"]["model"]["chroma_scale"])
              if (Path(run) / "calibrated.pt").is_file() else float("nan"))  # fmt: skip
    g, _ = load_generator(ckpt)
    s, _ = fit_chroma_scale(g, pairs)
    g.chroma_scale = s
    table, _ = evaluate_generator(g, val)
    (out / name).mkdir(parents=True, exist_ok=True)
    table.to_csv(out / name / f"eval_{variant}.csv", index=False)
    held = per_image(pd.read_csv(held_table)).mean()
    avg = table.iloc[-1]
    print(f"{name} ({variant}, {len(pool)} trained pairs, 96 drawn): s_train {s:.2f}, s_held {s_held:.2f}; validation at "
          f"s_train {avg.psnr:.3f} / {avg.ssim:.4f} / {avg.ae:.3f}, at s_held {held.psnr:.3f} / {held.ssim:.4f} / "
          f"{held.ae:.3f}", flush=True)
