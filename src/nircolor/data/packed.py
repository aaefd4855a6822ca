"""Packed training format: decoded uint8 arrays (.npy, memory-mappable) plus a JSON manifest."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nircolor.data.layout import DatasetIndex, load_pairs, load_rgb

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PairArrays:
    """Registered pairs: NIR (N, H, W) and RGB (N, H, W, 3), uint8, in stem order."""

    nir: np.ndarray
    rgb: np.ndarray
    stems: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.stems)


@dataclass(frozen=True)
class TrainArrays:
    """What the trainer consumes: the paired set plus the unpaired RGB pool.

    The unpaired pool is RGB-Online followed by RGB-Registered (the paper's 1,020 + 372).
    Where RGB-Online is absent the pool is RGB-Registered alone; the trainer then draws it
    with a permutation independent of the NIR images, so an "unpaired" step rarely sees a
    NIR image together with its own registered RGB.
    """

    paired: PairArrays
    online_rgb: np.ndarray  # (M, H, W, 3) uint8; M may be 0
    unpaired_source: str  # "RGB-Online+RGB-Registered" or "RGB-Registered (substitute: no RGB-Online)"

    @property
    def unpaired_size(self) -> int:
        return len(self.online_rgb) + len(self.paired)

    def unpaired_rgb(self, j: int) -> np.ndarray:
        m = len(self.online_rgb)
        return self.online_rgb[j] if j < m else self.paired.rgb[j - m]


def unpaired_source(has_online: bool) -> str:
    return "RGB-Online+RGB-Registered" if has_online else "RGB-Registered (substitute: no RGB-Online)"


def _save_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, np.ascontiguousarray(array))
    os.replace(tmp, path)


def pack_dataset(index: DatasetIndex, out_dir: str | Path) -> dict:
    """Decode a validated dataset once into .npy arrays; return the manifest written beside them.

    The manifest is written last, so a directory without one is never mistaken for a
    finished pack.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    train_nir, train_rgb = load_pairs(index.pairs)
    val_nir, val_rgb = load_pairs(index.validation)
    online = (
        load_rgb(index.unpaired_rgb)
        if index.unpaired_rgb
        else np.zeros((0, *train_rgb.shape[1:]), np.uint8)
    )
    arrays = {
        "train_nir": train_nir,
        "train_rgb": train_rgb,
        "online_rgb": online,
        "val_nir": val_nir,
        "val_rgb": val_rgb,
    }
    digest = hashlib.sha256()
    for name, arr in arrays.items():
        _save_npy(out / f"{name}.npy", arr)
        digest.update(name.encode())
        digest.update(arr.tobytes())
    manifest = {
        "root": str(index.root),
        "image_size": list(index.image_size),
        "train_stems": [p.stem for p in index.pairs],
        "val_stems": [p.stem for p in index.validation],
        "online_files": [p.name for p in index.unpaired_rgb],
        "unpaired_source": unpaired_source(index.has_online),
        "notes": list(index.notes),
        "sha256": digest.hexdigest(),
    }
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, out / MANIFEST)
    return manifest


def _load(out: Path, name: str, mmap: bool) -> np.ndarray:
    return np.load(out / f"{name}.npy", mmap_mode="r" if mmap else None)


def load_packed(out_dir: str | Path, *, mmap: bool = True) -> tuple[TrainArrays, PairArrays, dict]:
    """Open a pack written by `pack_dataset`: (training arrays, validation pairs, manifest)."""
    out = Path(out_dir)
    if not (out / MANIFEST).is_file():
        raise FileNotFoundError(f"{out}: no {MANIFEST}; not a finished pack (run ingest again)")
    manifest = json.loads((out / MANIFEST).read_text())
    paired = PairArrays(
        _load(out, "train_nir", mmap), _load(out, "train_rgb", mmap), tuple(manifest["train_stems"])
    )
    val = PairArrays(
        _load(out, "val_nir", mmap), _load(out, "val_rgb", mmap), tuple(manifest["val_stems"])
    )
    train = TrainArrays(paired, _load(out, "online_rgb", mmap), manifest["unpaired_source"])
    return train, val, manifest
