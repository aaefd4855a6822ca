"""`nircolor train`: validate, pack, train three phases per variant, fit the saturation scale on the held-out
pairs (where `ingest.holdout_pairs` keeps some), evaluate, write Table I."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _banner(text: str) -> None:
    print(f"\n== {text} ==", file=sys.stderr, flush=True)


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    from nircolor.config import ConfigError, parse_overrides

    try:
        return parse_overrides(items)
    except ConfigError as err:
        raise SystemExit(f"nircolor: --set: {err}") from None



def _finished(ckpt: Path, cfg, provenance: dict[str, str]) -> bool:
    """A complete phase checkpoint from the same params and data need not be trained again."""
    from nircolor.training.checkpoint import CheckpointError, load_checkpoint

    if not ckpt.exists():
        return False
    try:
        state = load_checkpoint(ckpt)
    except CheckpointError:
        return False
    return (
        state["complete"]
        and state["config"] == cfg.model_dump(mode="json")
        and state.get("provenance") == provenance
    )


def cmd_train(args: argparse.Namespace) -> int:
    import torch
    from tqdm.auto import tqdm

    from nircolor.config import PHASES, ConfigError, load_config, load_profile, shadowed_settings
    from nircolor.data.layout import DatasetError
    from nircolor.calibrate import describe_pairs, finalize_checkpoint, fit_pairs
    from nircolor.data.packed import load_heldout, load_packed, pack_dataset
    from nircolor.data.validate import validate_dataset
    from nircolor.device import configure_runtime, resolve_device, resolve_precision
    from nircolor.inference import evaluate_generator, load_generator
    from nircolor.report import side_by_side, to_markdown
    from nircolor.training.phase import run_phase, starts_line

    overrides = _parse_overrides(args.set)
    try:
        if args.profile:  # a profile (profiles/*.yaml: dotted key → value), then --set on top
            overrides = {**load_profile(args.profile), **overrides}
        cfg = load_config(args.params, overrides)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    unknown = [v for v in args.variant or [] if v not in cfg.variants]
    if unknown:  # before anything is written or packed
        print(f"nircolor train: variant {', '.join(map(repr, unknown))} is not in the params' `variants` "
              f"({', '.join(cfg.variants)}); pass --params with a file that lists it", file=sys.stderr)  # fmt: skip
        return 2
    for message in shadowed_settings(cfg, overrides, args.variant):  # settings a variant undoes
        print(f"nircolor: warning: {message}", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))

    _banner(f"validate {args.data}")
    try:
        index = validate_dataset(Path(args.data))
    except DatasetError as err:
        print(str(err), file=sys.stderr)
        return 1
    print(index.summary(), file=sys.stderr)
    _banner("pack")
    try:
        manifest = pack_dataset(
            index, out / "packed", limit_pairs=cfg.ingest.limit_pairs, limit_online=cfg.ingest.limit_online,
            holdout_pairs=cfg.ingest.holdout_pairs, seed=cfg.ingest.seed,
        )  # fmt: skip
    except DatasetError as err:  # ingest.holdout_pairs that leaves no pair to train on
        print(str(err), file=sys.stderr)
        return 1
    train, val, _ = load_packed(out / "packed")
    heldout = load_heldout(out / "packed")
    print(
        f"{len(train.paired)} training pairs, unpaired pool {train.unpaired_size} "
        f"({manifest['unpaired_source']}), {len(val)} validation pairs"
        + (f", {len(heldout)} held out (ingest.holdout_pairs)" if len(heldout) else ""), file=sys.stderr,
    )  # fmt: skip

    provenance = {"data_sha256": manifest["sha256"], "unpaired_source": manifest["unpaired_source"]}
    device = resolve_device(cfg.train.device)
    precision = resolve_precision(cfg.train.precision, device)
    print(f"device {device}, precision {precision}"
          + (" (train.precision: auto)" if cfg.train.precision == "auto" else ""), file=sys.stderr)
    tables = {}
    for variant in args.variant or list(cfg.variants):
        vcfg = cfg.for_variant(variant)
        prev = None
        for phase in PHASES:
            _banner(f"{variant} {phase} ({vcfg.schedule.count(phase)} epochs)")
            ckpt = out / "checkpoints" / variant / f"{phase}.pt"

            def log_epoch(epoch: int, rec: dict[str, Any]) -> None:
                if not args.quiet:  # tqdm.write keeps the line above the progress bar
                    tqdm.write(
                        (f"  start {rec['start']}" if "start" in rec else "")
                        + f"  epoch {epoch:4d} {rec['mode']:8s} lr {rec['lr']:.2e} "
                        f"G {rec['loss_g']:.3f} pair_rgb {rec['loss_pair_rgb']:.4f} "
                        f"D {rec['loss_d_rgb']:.3f}/{rec['loss_d_nir']:.3f} "
                        f"{rec['images_per_s']:.1f} img/s"
                        + (f" val {rec['val_psnr']:.2f}/{rec['val_ssim']:.3f}/{rec['val_ae']:.2f}"
                           if "val_psnr" in rec else ""), file=sys.stderr,
                    )  # fmt: skip

            if _finished(ckpt, vcfg, provenance):
                print(f"  {ckpt} is complete for these params and data: kept", file=sys.stderr)
                prev = ckpt
                continue
            configure_runtime(vcfg.train, resolve_device(vcfg.train.device))  # threads, cudnn, dynamo
            result = run_phase(
                phase, variant=variant, cfg=vcfg, data=train, out=ckpt, init=prev,
                on_epoch_end=log_epoch, progress=not args.quiet, provenance=provenance, val=val, heldout=heldout,
            )  # fmt: skip
            if result.start is not None and phase == "phase1" and result.resumed_from_epoch is None:
                print(f"  {starts_line(result.start)}", file=sys.stderr)
            if result.resumed_from_epoch is not None:
                print(f"  resumed after epoch {result.resumed_from_epoch}", file=sys.stderr)
            prev = ckpt
        final = out / "checkpoints" / variant / "final.pt"
        pairs, fit_on = fit_pairs(out / "packed", vcfg.evaluate.chroma_fit, vcfg.evaluate.chroma_fit_pairs)
        if len(pairs):  # 15 scales scored on each pair: a minute or two on real data, so say what runs
            print(f"{variant}: fitting the saturation scale on {describe_pairs(len(pairs), fit_on)} "
                  f"(evaluate.chroma_fit {fit_on})", file=sys.stderr)  # fmt: skip
        fit = finalize_checkpoint(prev, pairs, final, device, fit_on)
        if fit["chroma_pairs"]:
            print(f"{variant}: chroma_scale {fit['chroma_scale']:g}, the lowest mean AE on {describe_pairs(fit['chroma_pairs'], fit['chroma_fit_on'])} "
                  f"({final})", file=sys.stderr)  # fmt: skip
        _banner(f"{variant} evaluate on {len(val)} validation pairs")
        g, _ = load_generator(final, device)
        table, _ = evaluate_generator(g, val, device)
        eval_dir = out / "eval" / variant
        eval_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(eval_dir / "metrics.csv", index=False)
        tables[variant] = table
        del g
        if device.type == "cuda":
            torch.cuda.empty_cache()

    combined = side_by_side(tables)
    combined.to_csv(out / "table1.csv", index=False)
    label = " (SYNTHETIC data)" if index.is_synthetic else ""
    md = to_markdown(combined, title=f"Table I: PSNR (dB) / SSIM / AE (°) on {len(val)} validation pairs{label}")
    (out / "table1.md").write_text(md)
    print()
    print(md)
    print(f"checkpoints: {out / 'checkpoints'} (<variant>/final.pt: the one scored, for `nircolor colorize`)\n"
          f"tables: {out / 'table1.md'}, {out / 'eval'}")  # fmt: skip
    return 0
