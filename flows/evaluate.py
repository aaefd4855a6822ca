"""Evaluate flow: fit the saturation scale on training pairs (held out, or drawn from those trained on:
`evaluate.chroma_fit`), score the variant's final generator on the validation pairs, log the table, register it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.calibrate import describe_pairs, finalize_checkpoint, fit_pairs
from nircolor.config import Config, Variant
from nircolor.data.io import write_png
from nircolor.data.packed import load_packed
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training.checkpoint import load_checkpoint
from nircolor.device import resolve_device

from nircolor.fsutil import atomic_write_text as write_text_atomic
from flows.tracking import Tracker


@task(cache_policy=NO_CACHE)
def calibrate(cfg: Config, checkpoint: str, packed_dir: str, final_checkpoint: str, fit_csv: str) -> dict[str, Any]:
    """The checkpoint to score and register: the phase-3 one with the saturation scale (`model.chroma_scale`)
    of the lowest mean AE on the training pairs `evaluate.chroma_fit` names (the pack's held-out ones,
    `ingest.holdout_pairs`, or a seeded draw of those trained on); without any, a byte copy. The grid's
    scores go to `fit_csv` (no rows without a fit)."""
    import pandas as pd

    pairs, fit_on = fit_pairs(packed_dir, cfg.evaluate.chroma_fit, cfg.evaluate.chroma_fit_pairs)
    if len(pairs):  # 15 scales scored on each pair: a minute or two on real data
        print(f"fitting the saturation scale on {describe_pairs(len(pairs), fit_on)} (evaluate.chroma_fit {fit_on})")
    fit = finalize_checkpoint(checkpoint, pairs, final_checkpoint, resolve_device(cfg.evaluate.device), fit_on)
    grid = fit["grid"] if fit["grid"] is not None else pd.DataFrame(columns=["chroma_scale", "psnr", "ssim", "ae"])
    write_text_atomic(fit_csv, grid.to_csv(index=False))
    if fit["chroma_pairs"]:
        print(grid.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"chroma_scale {fit['chroma_scale']:g}: the lowest mean AE on {describe_pairs(fit['chroma_pairs'], fit['chroma_fit_on'])} "
              f"(written into {final_checkpoint})")  # fmt: skip
    elif fit_on == "off":
        print(f"evaluate.chroma_fit off: chroma_scale stays {fit['chroma_scale']:g}")
    else:
        print(f"no held-out training pairs (ingest.holdout_pairs 0): chroma_scale stays {fit['chroma_scale']:g} "
              "(evaluate.chroma_fit: train fits it on pairs the run trained on)")
    return {k: fit[k] for k in ("chroma_scale", "chroma_fit_on", "chroma_pairs", "heldout_pairs")}


@task(cache_policy=NO_CACHE)
def score(cfg: Config, checkpoint: str, packed_dir: str, table_csv: str, images_dir: str) -> dict[str, Any]:
    """Per-image PSNR/SSIM/AE (Table I layout) and the colorized validation images."""
    t0 = time.perf_counter()
    device = resolve_device(cfg.evaluate.device)
    g, meta = load_generator(checkpoint, device)
    _, val, _ = load_packed(packed_dir)
    table, images = evaluate_generator(g, val, device, batch_size=cfg.evaluate.batch_size)
    trained_px, scored_px = int(meta["trained_px"]), int(val.nir.shape[1])
    images_out = Path(images_dir)
    images_out.mkdir(parents=True, exist_ok=True)
    for stem, image in zip(val.stems, images):
        write_png(images_out / f"{stem}_rgb.png", image)  # atomic, each; compare's Fig. 3 reads these names
    # the table last and atomic: a table on disk always stands for a finished scoring
    write_text_atomic(table_csv, table.to_csv(index=False))
    avg = table.iloc[-1]
    n = int(meta["phase_average"])
    rule = "".join((", EMA weights" if meta["ema"] else "", ", mirrored-pass average" if meta["flip_average"] else "",
                    f", {n}×{n} 1-px phase average" if n > 1 else "",
                    f", {trained_px}-px tiles every {meta['tile_stride']} px" if meta["tile_stride"] else "",
                    f", colour scaled by {meta['chroma_scale']:g} around its grey" if meta["chroma_scale"] != 1 else ""))
    print(f"{meta['variant']}: trained at {trained_px} px (scale {meta['scale']:g}), scored at {scored_px} px{rule}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return {"psnr": float(avg["psnr"]), "ssim": float(avg["ssim"]), "ae": float(avg["ae"]),
            "epoch": int(meta["epoch"]), "trained_px": trained_px, "scored_px": scored_px,
            "scale": float(meta["scale"]), "compute_seconds": time.perf_counter() - t0}  # fmt: skip


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)  # logging + registering is idempotent enough
def track(cfg: Config, variant: Variant, checkpoint: str, table_csv: str, averages: dict[str, Any],
          tags: dict[str, str], fit_csv: str) -> dict[str, str]:  # fmt: skip
    import pandas as pd

    from flows.registry import register_generator

    tracker = Tracker(cfg.tracking.experiment)
    prov = load_checkpoint(checkpoint).get("provenance", {})
    parent = tracker.variant_run(variant, parent_id=prov.get("mlflow_parent_run_id"), tags=tags)
    table = pd.read_csv(table_csv)
    tracker.log_table(parent, table, f"eval/{variant}_table1.json")
    if averages["chroma_pairs"]:
        tracker.log_table(parent, pd.read_csv(fit_csv), f"eval/{variant}_chroma_fit.json")
    metrics = {f"val/{k}": averages[k] for k in ("psnr", "ssim", "ae")}
    tracker.log_metrics(parent, metrics)
    tracker.set_tags(parent, {"trained_px": averages["trained_px"], "scored_px": averages["scored_px"],
                              "scale": averages["scale"], "chroma_scale": averages["chroma_scale"],
                              "chroma_heldout_pairs": averages["heldout_pairs"],
                              "chroma_fit_on": averages["chroma_fit_on"], "chroma_pairs": averages["chroma_pairs"]})  # fmt: skip
    version = register_generator(tracker, parent, Path(checkpoint), variant=variant,
                                 registered_model=cfg.tracking.registered_model, metrics=metrics)  # fmt: skip
    tracker.finish(parent)
    print(f"registered {cfg.tracking.registered_model} version {version} as @{variant}")
    return {"mlflow_parent_run_id": parent, "registered_version": str(version)}


@flow(name="evaluate", flow_run_name="{variant}", log_prints=True)
def evaluate_flow(cfg: Config, variant: Variant, checkpoint: str, packed_dir: str, table_csv: str,
                  images_dir: str, tags: dict[str, str], final_checkpoint: str, fit_csv: str) -> dict[str, Any]:  # fmt: skip
    """Writes `final_checkpoint` (the one scored and registered), the scale fit's grid to `fit_csv`, the
    per-image table to `table_csv` and the colorized images, `<stem>_rgb.png`, into `images_dir`.

    Steps:
    1. choose the inference rule's saturation scale on training pairs (`evaluate.chroma_fit`: the
       pack's held-out ones, `ingest.holdout_pairs`, if it has any; or a seeded draw of those it
       trained on) into a copy of the phase-3 checkpoint (the validation pairs are not used for it);
       without any, the copy is the phase-3 checkpoint byte for byte
    2. colorize the validation NIR images with that generator by the inference rule (at its
       training scale, brought back to native size) and score them at native size
    3. log the per-image table, averages and the scale's fit to the variant's MLflow run
    4. register the NIR→RGB generator as a version of `nir-colorizer` with the variant's alias
    """
    fit = calibrate(cfg, checkpoint, packed_dir, final_checkpoint, fit_csv)
    averages = {**score(cfg, final_checkpoint, packed_dir, table_csv, images_dir), **fit}
    registry = track(cfg, variant, final_checkpoint, table_csv, averages, tags, fit_csv)
    return {**averages, **registry}
