"""Session 47, plan 4 (exploratory): phase 3 trained longer from a finished run's own phase-2 checkpoint.

Takes run SRC's `checkpoints/dense_plus/phase2.pt` and `packed/` (the same pairs, held-out pairs and validation
pairs), trains phase 3 again with `schedule.phase3` = EPOCHS (the learning rate decays linearly to zero over those
epochs, as in every recipe), fits the saturation scale on the held-out pairs and scores the 18 validation pairs
exactly as `nircolor train` does (`final.pt`, EMA generator, the one inference rule). Everything before phase 3 is
the source run's, so the difference to the source run's own score is the phase-3 length (and the thread count).

Usage (project root, the venv active):
  PYTHONPATH=src:. python docs/results/cpu_real_v38/longer3.py SRC OUT --profile P --seed S --epochs N --threads T
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--profile", required=True)
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from nircolor.calibrate import finalize_checkpoint, fit_pairs
    from nircolor.config import load_config, load_profile
    from nircolor.data.packed import load_heldout, load_packed
    from nircolor.device import configure_runtime, resolve_device
    from nircolor.inference import evaluate_generator, load_generator
    from nircolor.training.checkpoint import load_checkpoint
    from nircolor.training.phase import run_phase

    t0 = time.time()
    src, out = Path(args.src), Path(args.out)
    overrides = {**load_profile(args.profile), "train.seed": args.seed, "train.num_threads": args.threads,
                 "schedule.phase3": args.epochs}
    cfg = load_config(args.params, overrides).for_variant("dense_plus")
    init = src / "checkpoints" / "dense_plus" / "phase2.pt"
    provenance = load_checkpoint(init).get("provenance")
    train, val, _ = load_packed(src / "packed")
    heldout = load_heldout(src / "packed")
    device = resolve_device(cfg.train.device)
    configure_runtime(cfg.train, device)
    ckpt = out / "checkpoints" / "dense_plus" / "phase3.pt"

    def log(epoch: int, rec: dict) -> None:
        val_txt = f" val {rec['val_psnr']:.2f}/{rec['val_ssim']:.3f}/{rec['val_ae']:.2f}" if "val_psnr" in rec else ""
        print(f"  epoch {epoch:4d} lr {rec['lr']:.2e} pair_rgb {rec['loss_pair_rgb']:.4f}{val_txt}", flush=True)

    print(f"phase 3 of {args.epochs} epochs from {init}", flush=True)
    run_phase("phase3", variant="dense_plus", cfg=cfg, data=train, out=ckpt, init=init, on_epoch_end=log,
              progress=False, provenance=provenance, val=val, heldout=heldout)
    pairs, fit_on = fit_pairs(src / "packed", cfg.evaluate.chroma_fit, cfg.evaluate.chroma_fit_pairs)
    final = ckpt.with_name("final.pt")
    fit = finalize_checkpoint(ckpt, pairs, final, device, fit_on)
    print(f"chroma_scale {fit['chroma_scale']:g} on {fit['chroma_pairs']} {fit['chroma_fit_on']} pairs", flush=True)
    g, _ = load_generator(final, device)
    table, _ = evaluate_generator(g, val, device)
    (out / "eval" / "dense_plus").mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "eval" / "dense_plus" / "metrics.csv", index=False)
    mean = table[["psnr", "ssim", "ae"]].mean()
    print(f"MEAN {mean['psnr']:.2f} / {mean['ssim']:.3f} / {mean['ae']:.2f}", flush=True)
    print(f"WALL {time.time() - t0:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
