"""Choosing the inference rule's saturation scale (`model.chroma_scale`) on training pairs.

A run that holds training pairs out (`ingest.holdout_pairs`, packed apart; or, for `nircolor calibrate`
on older runs, the pairs `ingest.limit_pairs` left out) does not train on them; they are new scenes to
the model, as the validation pairs are. `fit_chroma_scale` scores the model's outputs (its own
inference rule, rounded to 8 bits as every score is) on such pairs with each scale of a grid and keeps
the one with the lowest mean angular error (AE). A run that holds none out can fit it on a seeded draw
of the pairs it trained on (`evaluate.chroma_fit: train`, `training_draw`): session 45 (plan C,
docs/results/cpu_real_v37) found that over ten models such a fit chooses 0.00–0.10 higher and scores
the same on the validation pairs (AE +0.000° [−0.070, 0.070]). The validation pairs are never used: a
scale chosen on them would be fit to the numbers it is meant to be judged by.
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
from nircolor.data.packed import MANIFEST, PairArrays, load_heldout, load_packed
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
            f"the scale on: fit it on pairs it trained on (--training-pairs {min(96, len(index.pairs))}), or train "
            f"with some held out (e.g. --set ingest.holdout_pairs={max(1, len(index.pairs) // 10)})"
        )
    nir, rgb = load_pairs(left)
    return PairArrays(nir=nir, rgb=rgb, stems=tuple(p.stem for p in left))


def training_draw(packed_dir: str | Path, n: int, seed: int = 0) -> PairArrays:
    """A seeded draw of `n` of the pairs a pack trains on (all of them where it has fewer), in stem
    order, at the pack's size (the pipeline's packs are native: the size every score is taken at)."""
    train, _, _ = load_packed(packed_dir, mmap=True)
    if train.scale != 1.0:
        raise ValueError(f"{packed_dir}: its training pairs are packed at {train.scale:g} of the data's size; the "
                         "scale is fit at the size the validation pairs are scored at (a native pack)")  # fmt: skip
    pool = train.paired
    k = min(n, len(pool))
    idx = np.sort(np.random.default_rng(seed).choice(len(pool), size=k, replace=False))
    return PairArrays(np.asarray(pool.nir[idx]), np.asarray(pool.rgb[idx]), tuple(pool.stems[i] for i in idx))


def fit_pairs(packed_dir: str | Path, chroma_fit: str, n: int) -> tuple[PairArrays, str]:
    """(pairs, which) the saturation scale is fit on by `evaluate.chroma_fit` (`EvaluateConfig`): the pack's
    held-out pairs ("heldout"; none held out: an empty set), a seeded draw of `n` of its training pairs
    ("train"), or none ("off")."""
    if chroma_fit == "heldout":
        return load_heldout(packed_dir), "heldout"
    if chroma_fit == "train":
        return training_draw(packed_dir, n), "train"
    if chroma_fit == "off":
        return PairArrays.empty(), "off"
    raise ValueError(f"evaluate.chroma_fit {chroma_fit!r}: expected heldout, train or off")


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
                     stems: tuple[str, ...], source: str | Path, fit_on: str = "heldout") -> Path:  # fmt: skip
    """Save a checkpoint state with `model.chroma_scale` = scale and a record of the fit (`chroma_fit`:
    the pairs' stems under `heldout_stems` or `train_stems` by `fit_on`, the grid, the choice)."""
    state["config"]["model"]["chroma_scale"] = scale
    state["chroma_fit"] = {f"{fit_on}_stems": list(stems), "fit_on": fit_on, "grid": table.to_dict(orient="list"),
                           "chosen": scale, "from": str(source)}  # fmt: skip
    return save_checkpoint(state, out)


def finalize_checkpoint(
    checkpoint: str | Path, pairs: PairArrays, out: str | Path, device: str | torch.device = "cpu",
    fit_on: str = "heldout",
) -> dict[str, Any]:  # fmt: skip
    """Write `out`, the checkpoint evaluate scores and registers: with pairs to fit on (held-out or
    training pairs, `fit_on`, from `fit_pairs`), the trained one with the saturation scale chosen on
    them; without any, a byte copy (its own scale, 1 unless set).

    Returns {"chroma_scale", "chroma_fit_on" ("heldout", "train" or "none"), "chroma_pairs" (how many
    pairs it was fit on), "heldout_pairs" (of those, held-out ones), "grid" (the fit's table, None
    without pairs)}.
    """
    if len(pairs) == 0:
        with open(checkpoint, "rb") as src, atomic_writer(out, "wb", fsync=True) as dst:
            shutil.copyfileobj(src, dst)
        scale = float(load_checkpoint(out)["config"]["model"].get("chroma_scale", 1.0))
        return {"chroma_scale": scale, "chroma_fit_on": "none", "chroma_pairs": 0, "heldout_pairs": 0, "grid": None}
    g, _ = load_generator(checkpoint, device)
    scale, table = fit_chroma_scale(g, pairs, device=device)
    write_calibrated(load_checkpoint(checkpoint), out, scale, table, pairs.stems, checkpoint, fit_on)
    return {"chroma_scale": scale, "chroma_fit_on": fit_on, "chroma_pairs": len(pairs),
            "heldout_pairs": len(pairs) if fit_on == "heldout" else 0, "grid": table}  # fmt: skip


def describe_pairs(n: int, fit_on: str) -> str:
    """'36 held-out training pairs' / '96 of the pairs it trained on': the pairs a scale is fit on."""
    return f"{n} held-out training pairs" if fit_on == "heldout" else f"{n} of the pairs it trained on"
