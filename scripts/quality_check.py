"""Does the fast path move quality? Train the same short recipe on the plain path and the fast path.

Each run trains the three phases from the same seed and scores the NIR→RGB generator on the
validation pairs after each phase (average PSNR/SSIM/AE, the challenge's definitions). A second
plain-path seed gives the seed-to-seed spread the fast-vs-plain gap should be read against.
Needs only torch + the package (used on bare GPU boxes):

    python scripts/quality_check.py --packed DIR --out quality.json \
        --runs eager:0 fast:0 eager:1 [--set model.ngf=32 ...]

`DIR` is a folder written by the ingest stage (`pack_dataset`): real or synthetic data.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from nircolor.config import PHASES, load_config, parse_overrides
from nircolor.data.packed import load_packed
from nircolor.device import configure_runtime, resolve_device
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training.phase import run_phase

FAST = {"train.precision": "bf16", "train.channels_last": True, "train.fused_optim": True,
        "train.data_on_device": True}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packed", required=True)
    ap.add_argument("--out", required=True, help="JSON results (rewritten after every run)")
    ap.add_argument("--runs", nargs="+", default=["eager:0", "fast:0", "eager:1"],
                    help="path:seed[:batch]; path in {eager, bf16 (bf16 + channels_last, the same data "
                         "stream as eager), fast (+ fused Adam, data on the device), fast-compile}")  # fmt: skip
    ap.add_argument("--variant", default="dense", choices=["baseline", "dense"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    train, val, manifest = load_packed(args.packed)
    size = int(train.paired.nir.shape[1])
    base = {"model.image_size": size, "train.device": args.device, "train.checkpoint_every": 0,
            "train.resume_every": 1000}  # fmt: skip
    base.update(parse_overrides(args.set))
    results = {"packed": manifest.get("source", str(args.packed)), "n_train": len(train.paired),
               "n_val": len(val), "variant": args.variant, "base_overrides": base, "runs": []}  # fmt: skip
    out = Path(args.out)
    for spec in args.runs:
        path, seed, batch = (spec.split(":") + ["", ""])[:3]
        over = dict(base, **{"train.seed": int(seed or 0)})
        if batch:
            over["train.batch_size"] = int(batch)
        if path.startswith("fast"):
            over.update(FAST)
        elif path == "bf16":
            over.update({"train.precision": "bf16", "train.channels_last": True})
        if path == "fast-compile":
            over["train.compile"] = True
        cfg = load_config(None, over)
        configure_runtime(cfg.train, resolve_device(cfg.train.device))
        run = {"path": path, "seed": int(seed or 0), "batch_size": cfg.train.batch_size,
               "overrides": over, "phases": []}  # fmt: skip
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            prev = None
            for phase in PHASES:
                ckpt = Path(tmp) / f"{phase}.pt"
                res = run_phase(phase, variant=args.variant, cfg=cfg, data=train, out=ckpt,
                                init=prev, progress=False)  # fmt: skip
                prev = ckpt
                g, meta = load_generator(ckpt, cfg.train.device if cfg.train.device != "auto" else
                                         ("cuda" if torch.cuda.is_available() else "cpu"))  # fmt: skip
                with torch.inference_mode():
                    table, _ = evaluate_generator(g, val, next(g.parameters()).device, batch_size=6)
                avg = table.set_index("image").loc["average"]  # metrics_table's last row
                run["phases"].append({
                    "phase": phase, "epoch": meta["epoch"], "psnr": float(avg["psnr"]),
                    "ssim": float(avg["ssim"]), "ae": float(avg["ae"]),
                    "train_seconds": sum(r["seconds"] for r in res.history),
                    "last_loss_pair_rgb": res.history[-1]["loss_pair_rgb"] if res.history else None,
                })  # fmt: skip
                print(f"[quality] {spec} {phase} epoch {meta['epoch']}: PSNR {avg['psnr']:.2f} dB "
                      f"SSIM {avg['ssim']:.3f} AE {avg['ae']:.2f}", file=sys.stderr, flush=True)  # fmt: skip
        run["wall_seconds"] = time.perf_counter() - t0
        results["runs"].append(run)
        out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
