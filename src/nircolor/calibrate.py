"""Choosing the inference rule's saturation scale (`model.chroma_scale`) on held-out training pairs.

A run that holds training pairs out (`ingest.holdout_pairs`, packed apart; or, for `nircolor calibrate`
on older runs, the pairs `ingest.limit_pairs` left out) does not train on them; they are new scenes to
the model, as the validation pairs are, and unlike the training pairs they show how confident its
colours should be. `fit_chroma_scale` scores the
model's outputs (its own inference rule, rounded to 8 bits as every score is) on them with each scale
of a grid and keeps the one with the lowest mean angular error (AE). The validation pairs are never
used: a scale chosen on them would be fit to the numbers it is meant to be judged by.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from nircolor.data.layout import DatasetIndex, load_pairs
from nircolor.data.packed import MANIFEST, PairArrays
from nircolor.fsutil import atomic_writer
from nircolor.inference import colorize, load_generator, scale_chroma, score_outputs
from nircolor.training.checkpoint import load_checkpoint, save_checkpoint

# 0.30, 0.35, …, 1.00: the grid of session 42's plan (docs/results/cpu_real_v34/README.md)
CHROMA_GRID: tuple[float, ...] = tuple(round(0.30 + 0.05 * i, 2) for i in range(15))


class NoHeldOutPairs(ValueError):
    """The run trained on every training pair, so none are left to choose the scale on."""


def heldout_pairs(index: DatasetIndex, manifest: dict) -> PairArrays:
    """The dataset's training pairs that a pack's manifest did not train on (stem order)."""
    trained = set(manifest["train_stems"])
    left = [p for p in index.pairs if p.stem not in trained]
    if not left:
        raise NoHeldOutPairs(
            f"every one of the {len(index.pairs)} training pairs was trained on, so none is left to choose "
            "the scale on: train with some held out (e.g. --set ingest.holdout_pairs="
            f"{max(1, len(index.pairs) // 10)})"
        )
    nir, rgb = load_pairs(left)
    return PairArrays(nir=nir, rgb=rgb, stems=tuple(p.stem for p in left))


def read_manifest(packed_dir: str | Path) -> dict:
    path = Path(packed_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no pack manifest (the run's `packed` folder, written by `nircolor train`)")
    return json.loads(path.read_text())


@torch.no_grad()
def rule_outputs(g: torch.nn.Module, pairs: PairArrays, batch_size: int = 6, device: str | torch.device = "cpu") -> torch.Tensor:
    """(N, 3, H, W) float outputs (on the CPU) of the inference rule without its saturation scale."""
    saved = getattr(g, "chroma_scale", 1.0)
    g.chroma_scale = 1.0
    try:
        parts = [
            colorize(g, torch.from_numpy(np.array(pairs.nir[i : i + batch_size])).float().div(255.0).unsqueeze(1)
                     .to(device)).cpu()
            for i in range(0, len(pairs), batch_size)
        ]  # fmt: skip
    finally:
        g.chroma_scale = saved
    return torch.cat(parts)


def score_scales(outputs: torch.Tensor, pairs: PairArrays, grid: tuple[float, ...] = CHROMA_GRID) -> pd.DataFrame:
    """Mean PSNR / SSIM / AE over the pairs of the outputs scaled by each s of the grid (8-bit, as scored)."""
    rows = []
    for s in grid:
        images = (scale_chroma(outputs, s) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        avg = score_outputs(pairs.stems, images, np.asarray(pairs.rgb)).iloc[-1]
        rows.append({"chroma_scale": s, "psnr": float(avg["psnr"]), "ssim": float(avg["ssim"]), "ae": float(avg["ae"])})
    return pd.DataFrame(rows)


def choose_scale(table: pd.DataFrame) -> float:
    """The scale with the lowest mean AE; of equal ones the largest (the least change)."""
    best = table["ae"].min()
    return float(table.loc[table["ae"] == best, "chroma_scale"].max())


def fit_chroma_scale(
    g: torch.nn.Module, pairs: PairArrays, grid: tuple[float, ...] = CHROMA_GRID, device: str | torch.device = "cpu"
) -> tuple[float, pd.DataFrame]:
    """(chosen scale, the grid's scores) for a generator on held-out pairs."""
    table = score_scales(rule_outputs(g, pairs, device=device), pairs, grid)
    return choose_scale(table), table


def write_calibrated(state: dict[str, Any], out: str | Path, scale: float, table: pd.DataFrame,
                     stems: tuple[str, ...], source: str | Path) -> Path:  # fmt: skip
    """Save a checkpoint state with `model.chroma_scale` = scale and a record of the fit (`chroma_fit`)."""
    state["config"]["model"]["chroma_scale"] = scale
    state["chroma_fit"] = {"heldout_stems": list(stems), "grid": table.to_dict(orient="list"),
                           "chosen": scale, "from": str(source)}  # fmt: skip
    return save_checkpoint(state, out)


def finalize_checkpoint(
    checkpoint: str | Path, heldout: PairArrays, out: str | Path, device: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Write `out`, the checkpoint evaluate scores and registers: with held-out pairs, the trained one
    with the saturation scale chosen on them; without any, a byte copy (its own scale, 1 unless set).

    Returns {"chroma_scale", "heldout_pairs", "grid"} (grid: the fit's table, None without pairs).
    """
    if len(heldout) == 0:
        with open(checkpoint, "rb") as src, atomic_writer(out, "wb", fsync=True) as dst:
            shutil.copyfileobj(src, dst)
        scale = float(load_checkpoint(out)["config"]["model"].get("chroma_scale", 1.0))
        return {"chroma_scale": scale, "heldout_pairs": 0, "grid": None}
    g, _ = load_generator(checkpoint, device)
    scale, table = fit_chroma_scale(g, heldout, device=device)
    write_calibrated(load_checkpoint(checkpoint), out, scale, table, heldout.stems, checkpoint)
    return {"chroma_scale": scale, "heldout_pairs": len(heldout), "grid": table}
