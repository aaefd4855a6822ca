"""The plan's question 2: for each run of the v32 recipe, each start's scores at the choice (epoch k) on the held-out
training pairs (which chose) and on the validation pairs (which the choice never saw), read from the run's phase-1
checkpoint (`start` record: the kept start's curve is the phase history, the others are kept beside it).
PYTHONPATH=src python docs/results/cpu_real_v36/starts.py RUN_DIR[:VARIANT] ...
"""
import sys
from pathlib import Path

from nircolor.training.checkpoint import load_checkpoint

print("| run | start | seed | held-out PSNR / SSIM / AE at k | validation PSNR / SSIM / AE at k | kept |")
print("|---|---:|---:|---|---|---|")
agree = []
for arg in sys.argv[1:]:
    run, _, variant = arg.partition(":")
    state = load_checkpoint(Path(run) / "checkpoints" / (variant or "dense_plus") / "phase1.pt")
    start = state["start"]
    k = start["epochs"]
    curves = {start["chosen"]: state["history"], **{int(i): h for i, h in start["histories"].items()}}
    val = {}
    for i, seed in enumerate(start["seeds"]):
        at = next(r for r in curves[i] if r["epoch"] == k)
        held = " / ".join(f"{at[f'heldout_{m}']:.{3 if m == 'ssim' else 2}f}" for m in ("psnr", "ssim", "ae"))
        seen = " / ".join(f"{at[f'val_{m}']:.{3 if m == 'ssim' else 2}f}" for m in ("psnr", "ssim", "ae"))
        val[i] = at["val_psnr"]
        print(f"| {Path(run).name} | {i} | {seed} | {held} | {seen} | {'yes' if i == start['chosen'] else ''} |")
    agree.append(val[start["chosen"]] == max(val.values()))
print(f"\nthe held-out pairs kept the start of the higher validation PSNR at epoch k in {sum(agree)} of {len(agree)} runs")
