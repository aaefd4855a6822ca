"""Evaluate flow: score a variant's final generator on the validation pairs, log the table, register it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.config import Config, Variant
from nircolor.data.io import write_png
from nircolor.data.packed import load_packed
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training.checkpoint import load_checkpoint
from nircolor.device import resolve_device

from nircolor.fsutil import atomic_write_text as write_text_atomic
from flows.tracking import Tracker


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
          tags: dict[str, str]) -> dict[str, str]:  # fmt: skip
    import pandas as pd

    from flows.registry import register_generator

    tracker = Tracker(cfg.tracking.experiment)
    prov = load_checkpoint(checkpoint).get("provenance", {})
    parent = tracker.variant_run(variant, parent_id=prov.get("mlflow_parent_run_id"), tags=tags)
    table = pd.read_csv(table_csv)
    tracker.log_table(parent, table, f"eval/{variant}_table1.json")
    metrics = {f"val/{k}": averages[k] for k in ("psnr", "ssim", "ae")}
    tracker.log_metrics(parent, metrics)
    tracker.set_tags(parent, {"trained_px": averages["trained_px"], "scored_px": averages["scored_px"],
                              "scale": averages["scale"]})  # fmt: skip
    version = register_generator(tracker, parent, Path(checkpoint), variant=variant,
                                 registered_model=cfg.tracking.registered_model, metrics=metrics)  # fmt: skip
    tracker.finish(parent)
    print(f"registered {cfg.tracking.registered_model} version {version} as @{variant}")
    return {"mlflow_parent_run_id": parent, "registered_version": str(version)}


@flow(name="evaluate", flow_run_name="{variant}", log_prints=True)
def evaluate_flow(cfg: Config, variant: Variant, checkpoint: str, packed_dir: str, table_csv: str,
                  images_dir: str, tags: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Writes the per-image table to `table_csv` and the colorized images, `<stem>_rgb.png`, into
    `images_dir`.

    Steps:
    1. colorize the validation NIR images with the phase-3 generator by the inference rule (at its
       training scale, brought back to native size) and score them at native size
    2. log the per-image table and averages to the variant's MLflow run
    3. register the NIR→RGB generator as a version of `nir-colorizer` with the variant's alias
    """
    averages = score(cfg, checkpoint, packed_dir, table_csv, images_dir)
    registry = track(cfg, variant, checkpoint, table_csv, averages, tags)
    return {**averages, **registry}
