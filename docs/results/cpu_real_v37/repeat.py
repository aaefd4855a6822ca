"""The plan's question 3: does each run's choice repeat session 44's starts-only run of the same seed pair (same
recipe, seed and thread count, this kind of chip)? Compares the phase-1 checkpoints' `start` records: the held-out
scores of every start, the kept seed, and each start's curve over the k start epochs (every recorded number but the
wall-clock ones: seconds, val_seconds, images_per_s).
PYTHONPATH=src python docs/results/cpu_real_v37/repeat.py RUN_DIR:STARTS_ONLY_DIR ...
"""
import sys
from pathlib import Path

from nircolor.training.checkpoint import load_checkpoint


CLOCK = {"seconds", "val_seconds", "images_per_s"}  # timings: a loaded machine changes them, not the model


def curves(start, history):
    k = start["epochs"]
    out = {start["chosen"]: history, **{int(i): h for i, h in start["histories"].items()}}
    return {i: [{f: v for f, v in r.items() if f not in CLOCK} for r in h if r["epoch"] <= k] for i, h in out.items()}


for pair in sys.argv[1:]:
    run, _, ref = pair.partition(":")
    a, b = (load_checkpoint(Path(d) / "checkpoints" / "dense_plus" / "phase1.pt") for d in (run, ref))
    sa, sb = a["start"], b["start"]
    same_scores = sa["scores"] == sb["scores"]
    ca, cb = curves(sa, a["history"]), curves(sb, b["history"])
    same_curves = ca == cb
    print(f"{Path(run).name} vs {Path(ref).name}: seeds {sa['seeds']} / {sb['seeds']}, kept {sa['seed']} / {sb['seed']}; "
          f"held-out scores {sa['scores']} / {sb['scores']}: {'identical' if same_scores else 'DIFFER'}; "
          f"start curves over {sa['epochs']} epochs ({sum(len(h) for h in ca.values())} records, timings aside): "
          f"{'identical' if same_curves else 'DIFFER'}")
