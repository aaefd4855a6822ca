"""DVC stages `phase1|phase2|phase3@<variant>`: one training phase → checkpoint, metrics, loss plots."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from nircolor.config import PHASES, VARIANTS
from pipeline.common import load_params, run_stage, write_csv, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", required=True, choices=VARIANTS)
    ap.add_argument("--phase", required=True, choices=PHASES)
    args = ap.parse_args()
    cfg = load_params().for_variant(args.variant)
    from flows.common import run_flow, run_tags
    from flows.train import train_phase_flow

    art = Path(cfg.paths.artifacts)
    tags = run_tags(args.phase, args.variant, args.phase)
    out = run_flow(
        train_phase_flow, tags, cfg=cfg, variant=args.variant, phase=args.phase,
        packed_dir=str(art / "packed"), checkpoint_dir=str(art / "checkpoints" / args.variant),
        tags=tags,
    )  # fmt: skip
    history = pd.DataFrame(out["history"])
    write_csv(art / "plots" / args.variant / f"{args.phase}.csv", history)
    last = history.iloc[-1] if len(history) else None
    summary = {
        "epochs": int(len(history)),
        "seconds": float(history["seconds"].sum()) if len(history) else 0.0,
        "mlflow_run_id": out["mlflow_run_id"],
        "lost_epochs": len(out["lost_epochs"]),
        "compute_seconds": out["compute_seconds"],
    }
    if last is not None:
        summary.update({k: float(last[k]) for k in history.columns if k.startswith("loss_")})
        summary["images_per_s"] = float(history["images_per_s"].mean())
    write_json(art / "metrics" / args.variant / f"{args.phase}.json", summary)


if __name__ == "__main__":
    run_stage(main)
