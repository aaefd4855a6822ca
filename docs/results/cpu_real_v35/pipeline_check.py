"""Session 43: does the pipeline's own path give session 42's goal-1 numbers? On the real data, for trained v30 runs:
1. pack the dataset as profiles/real-cpu-v31-paper-calibrated.yaml's ingest does (`ingest.holdout_pairs` 36, seed 0)
   and check that it trains on the very pairs each v30 run trained on (`ingest.limit_pairs` 336) and holds out the rest;
2. run evaluate's step 1 (`nircolor.calibrate.finalize_checkpoint` on the pack's held-out pairs) on each run's phase-3
   checkpoint, score the written checkpoint on the validation pairs by the inference rule (`evaluate_generator`), and
   compare every image with session 42's table at its chosen scale (docs/results/cpu_real_v34/run<N>/eval_<v>_fit.csv).
usage: PYTHONPATH=src:. python docs/results/cpu_real_v35/pipeline_check.py DATA PACK_DIR NAME=RUN_DIR:VARIANT:FIT_CSV ...
prints one line per run and a verdict; exit 1 if any check fails."""
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from nircolor.calibrate import finalize_checkpoint
from nircolor.config import load_config, load_profile
from nircolor.data.packed import load_heldout, load_packed, pack_dataset
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
data, pack = Path(sys.argv[1]), Path(sys.argv[2])
ingest = load_config("params.yaml", load_profile("profiles/real-cpu-v31-paper-calibrated.yaml")).ingest
if not (pack / "manifest.json").is_file():
    pack_dataset(validate_dataset(data), pack, limit_pairs=ingest.limit_pairs, limit_online=ingest.limit_online,
                 holdout_pairs=ingest.holdout_pairs, seed=ingest.seed)  # fmt: skip
manifest = json.loads((pack / "manifest.json").read_text())
_, val, _ = load_packed(pack)
heldout = load_heldout(pack)
print(f"v31 pack: {len(manifest['train_stems'])} trained, {len(heldout)} held out (ingest {ingest.model_dump()})")
ok = True
for spec in sys.argv[3:]:
    name, rest = spec.split("=", 1)
    run, variant, fit_csv = rest.split(":")
    theirs = json.loads((Path(run) / "packed" / "manifest.json").read_text())
    same_split = theirs["train_stems"] == manifest["train_stems"] and set(manifest["heldout_stems"]) == (
        set(manifest["train_stems"]) | set(manifest["heldout_stems"])) - set(theirs["train_stems"])
    with tempfile.TemporaryDirectory() as tmp:
        fit = finalize_checkpoint(Path(run) / "checkpoints" / variant / "phase3.pt", heldout, Path(tmp) / "final.pt")
        g, meta = load_generator(Path(tmp) / "final.pt")
        table, _ = evaluate_generator(g, val)
    want = pd.read_csv(fit_csv)
    diff = np.abs(table[["psnr", "ssim", "ae"]].to_numpy() - want[["psnr", "ssim", "ae"]].to_numpy()).max(axis=0)
    avg = table.iloc[-1]
    # session 42's tables keep 4 decimals (to_csv of the rounded values): equal up to that rounding
    good = same_split and list(table["image"]) == list(want["image"]) and bool((diff <= 0.5e-4 + 1e-9).all())
    ok &= good
    print(f"{name} ({variant}): same split {same_split}; s = {fit['chroma_scale']:g} on {fit['heldout_pairs']} held-out "
          f"pairs; validation {avg['psnr']:.2f} / {avg['ssim']:.3f} / {avg['ae']:.2f}; largest per-image difference "
          f"from session 42's table: PSNR {diff[0]:.2g}, SSIM {diff[1]:.2g}, AE {diff[2]:.2g} -> {'same (to the 4 decimals kept)' if good else 'DIFFERENT'}")
print("all the same" if ok else "NOT the same")
sys.exit(0 if ok else 1)
