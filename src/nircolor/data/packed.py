"""Packed training format: decoded uint8 arrays (.npy, memory-mappable) plus a JSON manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nircolor.data.io import ImageError
from nircolor.data.layout import DatasetError, DatasetIndex, Problem, load_pairs, load_rgb
from nircolor.fsutil import atomic_write_text, atomic_writer
from nircolor.references import fit_lookup

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PairArrays:
    """Registered pairs: NIR (N, H, W) and RGB (N, H, W, 3), uint8, in stem order."""

    nir: np.ndarray
    rgb: np.ndarray
    stems: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.stems)

    @classmethod
    def empty(cls) -> "PairArrays":
        """No pairs (a pack with none held out; a scale fit that is off)."""
        return cls(np.zeros((0, 0, 0), np.uint8), np.zeros((0, 0, 0, 3), np.uint8), ())


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
    scale: float = 1.0  # packed size / the data's native size (0.25: 256 px images packed at 64)

    @property
    def unpaired_size(self) -> int:
        return len(self.online_rgb) + len(self.paired)

    def unpaired_rgb(self, j: int) -> np.ndarray:
        m = len(self.online_rgb)
        return self.online_rgb[j] if j < m else self.paired.rgb[j - m]


def unpaired_source(has_online: bool) -> str:
    return "RGB-Online+RGB-Registered" if has_online else "RGB-Registered (substitute: no RGB-Online)"


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_writer(path, "wb") as fh:
        np.save(fh, np.ascontiguousarray(array))


def resize_stack(stack: np.ndarray, size: int) -> np.ndarray:
    """Resize a uint8 stack to size×size: area averaging down (no aliasing), bicubic up."""
    import cv2

    if len(stack) == 0 or stack.shape[1:3] == (size, size):
        return stack
    interp = cv2.INTER_AREA if stack.shape[1] > size else cv2.INTER_CUBIC
    return np.stack([cv2.resize(img, (size, size), interpolation=interp) for img in stack])


def _subset(n: int, limit: int | None, rng: np.random.Generator) -> np.ndarray:
    """Indices kept by a CPU-scale limit: a seeded draw, returned in the original (stem) order."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.sort(rng.choice(n, size=limit, replace=False))


def split_pairs(
    n: int, limit_pairs: int | None, holdout_pairs: int, rng: np.random.Generator, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(trained, held-out) indices of n training pairs, each in stem order, disjoint.

    The trained pairs are the seeded draw `ingest.limit_pairs` makes, a cap as always, here at most
    n − k (null: exactly n − k), so holding k pairs out trains on the pairs `limit_pairs = n − k` would. The
    held-out pairs are a seeded draw of `holdout_pairs` from the rest, by a generator of their own, so
    the pack's next draw (the unpaired subset) is the one `limit_pairs` alone would leave.
    """
    if holdout_pairs == 0:
        return _subset(n, limit_pairs, rng), np.arange(0)
    if holdout_pairs >= n:
        raise ValueError(f"ingest.holdout_pairs {holdout_pairs} leaves none of the dataset's {n} training pairs to train on")
    trained = _subset(n, n - holdout_pairs if limit_pairs is None else min(limit_pairs, n - holdout_pairs), rng)
    rest = np.setdiff1d(np.arange(n), trained)
    held = np.random.default_rng([seed, 1]).choice(rest, size=holdout_pairs, replace=False)
    return trained, np.sort(held)


def pack_dataset(
    index: DatasetIndex,
    out_dir: str | Path,
    *,
    image_size: int | None = None,
    limit_pairs: int | None = None,
    limit_online: int | None = None,
    holdout_pairs: int = 0,
    seed: int = 0,
) -> dict:
    """Decode a validated dataset once into .npy arrays; return the manifest written beside them.

    `image_size` resizes the training images and the unpaired pool (None keeps the dataset's
    size: the pipeline's packs are native, and the trainer resizes in memory when the model's
    scale asks for it); the validation pairs always stay at their native size, where
    every score is taken. The per-intensity lookup reference (`references.fit_lookup`) is fit
    on the packed training pairs at native size and stored as `lookup.npy`. `limit_pairs` and
    `limit_online` keep a seeded subset of the training pairs / RGB-Online images (the
    validation pairs are always kept whole). `holdout_pairs` keeps that many training pairs out of
    training (`split_pairs`) and packs them apart, at native size (`heldout_nir`, `heldout_rgb`,
    `load_heldout`): new scenes on which evaluate chooses the inference rule's saturation scale
    (`nircolor.calibrate`). The manifest lists every file and what happened
    to it, and is written last, so a directory without one is never taken for a finished pack.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    try:
        keep_pairs, hold = split_pairs(len(index.pairs), limit_pairs, holdout_pairs, rng, seed)
    except ValueError as err:
        raise DatasetError([Problem(index.root, str(err))], root=index.root) from None
    keep_online = _subset(len(index.unpaired_rgb), limit_online, rng)
    pairs = [index.pairs[i] for i in keep_pairs]
    held_pairs = [index.pairs[i] for i in hold]
    online_paths = [index.unpaired_rgb[i] for i in keep_online]
    native = index.image_size[0]
    size = image_size or native

    try:
        train_nir, train_rgb = load_pairs(pairs)
        val_nir, val_rgb = load_pairs(index.validation)
        online = load_rgb(online_paths) if online_paths else np.zeros((0, *train_rgb.shape[1:]), np.uint8)
        held_nir, held_rgb = load_pairs(held_pairs) if held_pairs else (None, None)
    except ImageError as err:
        # validate_dataset decoded every file already; a file that fails now changed in between.
        reason = f"{err.reason} (found while packing, after validation passed: did the file change?)"
        raise DatasetError([Problem(err.path, reason)], root=index.root) from None
    arrays = {
        "train_nir": resize_stack(train_nir, size),
        "train_rgb": resize_stack(train_rgb, size),
        "online_rgb": resize_stack(online, size) if len(online) else np.zeros((0, size, size, 3), np.uint8),
        "val_nir": val_nir,
        "val_rgb": val_rgb,
        "lookup": fit_lookup(train_nir, train_rgb),
    }
    if held_pairs:  # only then: a pack without held-out pairs keeps the digest it always had
        arrays |= {"heldout_nir": held_nir, "heldout_rgb": held_rgb}
    else:  # nor the files of an earlier pack into this folder that held some out
        for name in ("heldout_nir", "heldout_rgb"):
            (out / f"{name}.npy").unlink(missing_ok=True)
    digest = hashlib.sha256()
    for name, arr in arrays.items():
        _save_npy(out / f"{name}.npy", arr)
        digest.update(name.encode())
        digest.update(arr.tobytes())

    files = _file_report(index, keep_pairs, keep_online, limit_pairs, limit_online, hold)
    manifest = {
        "root": str(index.root),
        "synthetic": index.is_synthetic,
        "source_size": list(index.image_size),
        "image_size": [size, size],
        "scale": size / native,  # the generator's scale (TrainArrays.scale)
        "train_stems": [p.stem for p in pairs],
        "heldout_stems": [p.stem for p in held_pairs],
        "val_stems": [p.stem for p in index.validation],
        "online_files": [p.name for p in online_paths],
        "counts": {
            "train_pairs": len(pairs),
            "train_pairs_available": len(index.pairs),
            "heldout_pairs": len(held_pairs),
            "online": len(online_paths),
            "online_available": len(index.unpaired_rgb),
            "validation_pairs": len(index.validation),
            "ignored": len(index.ignored),
        },
        "unpaired_source": unpaired_source(index.has_online),
        "notes": list(index.notes),
        "files": files,
        "sha256": digest.hexdigest(),
    }
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2))
    return manifest


def _file_report(
    index: DatasetIndex, keep_pairs: np.ndarray, keep_online: np.ndarray,
    limit_pairs: int | None, limit_online: int | None, hold: np.ndarray,
) -> list[dict[str, str]]:  # fmt: skip
    """One row per file found: its role and what ingest did with it (nothing is dropped silently)."""
    rows: list[dict[str, str]] = []
    kept = set(int(i) for i in keep_pairs)
    held = set(int(i) for i in hold)
    for i, pair in enumerate(index.pairs):
        status = ("packed" if i in kept else "held out (ingest.holdout_pairs: packed apart, not trained on)"
                  if i in held else f"left out (ingest.limit_pairs={limit_pairs} subset)")  # fmt: skip
        rows.append({"path": str(pair.nir), "role": "train_nir", "stem": pair.stem, "status": status})
        rows.append({"path": str(pair.rgb), "role": "train_rgb", "stem": pair.stem, "status": status})
    kept = set(int(i) for i in keep_online)
    for i, path in enumerate(index.unpaired_rgb):
        status = "packed" if i in kept else f"left out (ingest.limit_online={limit_online} subset)"
        rows.append({"path": str(path), "role": "online_rgb", "stem": path.stem, "status": status})
    for pair in index.validation:
        rows.append({"path": str(pair.nir), "role": "val_nir", "stem": pair.stem, "status": "packed"})
        rows.append({"path": str(pair.rgb), "role": "val_rgb", "stem": pair.stem, "status": "packed"})
    for path, reason in index.ignored:
        rows.append({"path": str(path), "role": "ignored", "stem": "", "status": f"ignored: {reason}"})
    return rows


def _load(out: Path, name: str, mmap: bool) -> np.ndarray:
    return np.load(out / f"{name}.npy", mmap_mode="r" if mmap else None)


def load_lookup(out_dir: str | Path) -> np.ndarray:
    """The pack's per-intensity lookup table (256, 3), fit on its training pairs only."""
    path = Path(out_dir) / "lookup.npy"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; the pack predates the reference rows (run ingest again)")
    return np.load(path)


def load_heldout(out_dir: str | Path) -> PairArrays:
    """The pack's held-out training pairs (`ingest.holdout_pairs`), native size; none: an empty set."""
    out = Path(out_dir)
    if not (out / MANIFEST).is_file():
        raise FileNotFoundError(f"{out}: no {MANIFEST}; not a finished pack (run ingest again)")
    stems = tuple(json.loads((out / MANIFEST).read_text()).get("heldout_stems", ()))
    if not stems:
        return PairArrays.empty()
    return PairArrays(_load(out, "heldout_nir", False), _load(out, "heldout_rgb", False), stems)


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
    train = TrainArrays(
        paired, _load(out, "online_rgb", mmap), manifest["unpaired_source"], float(manifest.get("scale", 1.0))
    )
    return train, val, manifest
