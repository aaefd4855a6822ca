"""DVC stages `phase1|phase2|phase3@<variant>`: one training phase → checkpoint, metrics, loss plots (paths: dvc.yaml)."""

from __future__ import annotations

import argparse

from nircolor.config import PHASES
from pipeline.common import load_params, run_stage, write_csv, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", required=True, help="a key of params.yaml: variants")
    ap.add_argument("--phase", required=True, choices=PHASES)
    ap.add_argument("--packed", required=True, help="the packed arrays (ingest's output)")
    ap.add_argument("--init", help="the previous phase's checkpoint (phase2 and phase3 only)")
    ap.add_argument("--checkpoint", required=True, help="output: this phase's checkpoint")
    ap.add_argument("--metrics", required=True, help="output: DVC metrics (JSON)")
    ap.add_argument("--losses", required=True, help="output: per-epoch losses (DVC plots CSV)")
    ap.add_argument("--val-curve", required=True, help="output: validation scores by epoch (DVC plots CSV)")
    args = ap.parse_args()
    if (args.phase == "phase1") != (args.init is None):
        ap.error("--init is required for phase2 and phase3, and refused for phase1")
    cfg = load_params().for_variant(args.variant)
    import pandas as pd

    from flows.common import run_flow, run_tags
    from flows.train import train_phase_flow
    from nircolor.device import configure_runtime, resolve_device

    # process-wide torch settings of the recipe (threads, cudnn, dynamo): this stage trains in-process
    # (train.nproc > 1: the torchrun ranks apply them themselves)
    configure_runtime(cfg.train, resolve_device(cfg.train.device))

    tags = run_tags(args.phase, args.variant, args.phase)
    out = run_flow(
        train_phase_flow, tags, cfg=cfg, variant=args.variant, phase=args.phase,
        packed_dir=args.packed, checkpoint=args.checkpoint, init=args.init, tags=tags,
    )  # fmt: skip
    history = pd.DataFrame(out["history"])
    val_cols = ["val_psnr", "val_ssim", "val_ae"]
    losses = history.drop(columns=[c for c in [*val_cols, "val_seconds"] if c in history.columns])
    write_csv(args.losses, losses)
    # the validation curve (train.val_every): epochs that were scored, at the global epoch
    scored = history.dropna(subset=["val_psnr"]) if "val_psnr" in history.columns else None
    curve = (scored[["epoch", *val_cols]].rename(columns=lambda c: c.removeprefix("val_"))
             if scored is not None else pd.DataFrame(columns=["epoch", "psnr", "ssim", "ae"]))  # fmt: skip
    write_csv(args.val_curve, curve)
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
        if scored is not None and len(scored):
            # what the validation curve cost, as a share of the phase's training time
            summary["val_seconds"] = float(history["val_seconds"].sum())
            summary["val_cost_share"] = summary["val_seconds"] / max(summary["seconds"], 1e-9)
            summary.update({f"val_{m}": float(scored.iloc[-1][f"val_{m}"]) for m in ("psnr", "ssim", "ae")})
    write_json(args.metrics, summary)


if __name__ == "__main__":
    run_stage(main)
