"""Augment flow: build the paper's augmentation, save it (albumentations JSON) and a preview grid."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.augment import build_augmentation, describe_augmentation, save_augmentation
from nircolor.config import AugmentConfig
from nircolor.data.packed import load_packed


@task(cache_policy=NO_CACHE)
def save_pipeline(cfg: AugmentConfig, image_size: int, out_json: str) -> dict:
    """The record of exactly what training applies, in albumentations' own serialization."""
    aug = build_augmentation(cfg, image_size)
    save_augmentation(aug, out_json)
    return describe_augmentation(aug)


@task(cache_policy=NO_CACHE)
def render_preview(cfg: AugmentConfig, image_size: int, packed_dir: str, out_png: str,
                   n: int, seed: int) -> str:  # fmt: skip
    from nircolor.viz import augmentation_preview, save_png

    train, _, _ = load_packed(packed_dir)
    aug = build_augmentation(cfg, image_size)
    scale = max(1, 128 // image_size)  # small demo images are shown enlarged
    grid = augmentation_preview(aug, train.paired.nir, train.paired.rgb, n=n, seed=seed, scale=scale)
    save_png(out_png, grid)
    return out_png


@flow(name="augment", log_prints=True)
def augment_flow(augment: AugmentConfig, image_size: int, packed_dir: str, out_json: str,
                 preview_png: str, seed: int = 0, n_preview: int = 8) -> dict:  # fmt: skip
    """Steps:
    1. build the augmentation from params and save it as albumentations JSON
    2. render a preview grid of augmented NIR/RGB pairs (training stays random per epoch)
    """
    t0 = time.perf_counter()
    Path(out_json).parent.mkdir(parents=True, exist_ok=True)
    described = save_pipeline(augment, image_size, out_json)
    render_preview(augment, image_size, packed_dir, preview_png, n_preview, seed)
    print(f"augmentation saved to {out_json}; preview at {preview_png}")
    return {"transforms": len(described["transform"]["transforms"]),
            "compute_seconds": time.perf_counter() - t0}  # fmt: skip
