"""The VCIP 2020 challenge layout: its folders and file names, the dataset index, loading pairs.

``nircolor.data.validate`` checks a folder against this layout and builds the index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nircolor.data.io import ImageError, display_path, read_image

SYNTHETIC_LABEL = "SYNTHETIC.md"  # written by nircolor synth beside the challenge folders
NIR_DIR = "NIR"
RGB_DIR = "RGB-Registered"
ONLINE_DIR = "RGB-Online"
VAL_DIR = "Validation"
KNOWN_DIRS = (NIR_DIR, RGB_DIR, ONLINE_DIR, VAL_DIR)

NIR_NAME = re.compile(r"^(?P<stem>.+)_nir$")
RGB_NAME = re.compile(r"^(?P<stem>.+)_rgb_reg$")
ONLINE_NAME = re.compile(r"^(?P<stem>.+)_rgb_onl$")
_CATEGORY = re.compile(r"^(?P<category>.+?)_\d+$")

EXPECTED_LAYOUT = """\
expected layout (the VCIP 2020 challenge's):
  <root>/
    NIR/              <stem>_nir.png            8-bit grayscale, square (256×256 in the challenge)
    RGB-Registered/   <stem>_rgb_reg.png        8-bit RGB, registered to the NIR image of the same stem
    RGB-Online/       <anything>_rgb_onl.png    optional: unpaired RGB images
    Validation/       <stem>_nir.png + <stem>_rgb_reg.png
  e.g. NIR/country_0001_nir.png pairs with RGB-Registered/country_0001_rgb_reg.png"""

NOTE_NO_ONLINE = (
    "RGB-Online/ absent: the unpaired RGB pool is drawn from RGB-Registered/ independently of "
    "the NIR being trained on"
)


@dataclass(frozen=True)
class Pair:
    """One NIR image and the RGB image registered to it."""

    stem: str
    nir: Path
    rgb: Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file or folder of a dataset."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}: {self.reason}"


class DatasetError(ValueError):
    """Every problem found in a dataset, so that one run shows the whole list to fix."""

    def __init__(self, problems: Sequence[Problem], *, root: Path | None = None, show_layout: bool = False) -> None:
        self.problems = list(problems)
        self.root = root
        self.show_layout = show_layout
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        where = f" at {display_path(self.root)}" if self.root is not None else ""
        lines = [f"dataset{where} has {n} problem{'s' if n != 1 else ''}:"]
        lines += [str(p) for p in self.problems]
        if self.show_layout:
            lines += ["", EXPECTED_LAYOUT]
        return "\n".join(lines)


@dataclass(frozen=True)
class DatasetIndex:
    """A validated dataset: every file sorted into its role, plus what was set aside and why."""

    root: Path
    pairs: tuple[Pair, ...]
    unpaired_rgb: tuple[Path, ...]
    validation: tuple[Pair, ...]
    ignored: tuple[tuple[Path, str], ...]
    has_online: bool
    notes: tuple[str, ...]
    image_size: tuple[int, int]  # (H, W)

    def categories(self) -> dict[str, int]:
        """Training pairs per category, the category being the stem without its ``_<nnnn>``."""
        counts = Counter(_category(p.stem) for p in self.pairs)
        return dict(sorted(counts.items()))

    @property
    def is_synthetic(self) -> bool:
        """True for a dataset written by `nircolor synth` (it carries the SYNTHETIC.md label)."""
        return (self.root / SYNTHETIC_LABEL).is_file()

    def summary(self) -> str:
        h, w = self.image_size
        cats = ", ".join(f"{k} {v}" for k, v in self.categories().items())
        online = f"{len(self.unpaired_rgb)} (RGB-Online/)" if self.has_online else "none (RGB-Online/ absent)"
        lines = [
            f"{'SYNTHETIC dataset' if self.is_synthetic else 'dataset'} at {self.root}",
            f"  image size:        {h}×{w} (H×W)",
            f"  training pairs:    {len(self.pairs)} (NIR/ + RGB-Registered/): {cats}",
            f"  unpaired RGB:      {online}",
            f"  validation pairs:  {len(self.validation)} (Validation/)",
            f"  ignored:           {len(self.ignored)}",
        ]
        lines += [f"    {_rel(path, self.root)}: {reason}" for path, reason in self.ignored]
        if self.notes:
            lines.append("  notes:")
            lines += [f"    - {note}" for note in self.notes]
        return "\n".join(lines)


def _category(stem: str) -> str:
    m = _CATEGORY.match(stem)
    return m.group("category") if m else stem


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def format_size(size: tuple[int, int]) -> str:
    """An image size as H×W."""
    return f"{size[0]}×{size[1]}"


def load_pairs(pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
    """Decode pairs into (N, H, W) uint8 NIR and (N, H, W, 3) uint8 RGB stacks."""
    if not pairs:
        return np.zeros((0, 0, 0), np.uint8), np.zeros((0, 0, 0, 3), np.uint8)
    nir = [read_image(p.nir, "nir") for p in pairs]
    rgb = [read_image(p.rgb, "rgb") for p in pairs]
    for pair, n, r in zip(pairs, nir, rgb):
        if n.shape != r.shape[:2]:
            reason = f"size {format_size(r.shape[:2])} differs from its partner {pair.nir} ({format_size(n.shape)})"
            raise ImageError(pair.rgb, reason)
    return _stack(nir, [p.nir for p in pairs]), _stack(rgb, [p.rgb for p in pairs])


def load_rgb(paths: Sequence[Path]) -> np.ndarray:
    """Decode RGB images into an (N, H, W, 3) uint8 stack."""
    if not paths:
        return np.zeros((0, 0, 0, 3), np.uint8)
    return _stack([read_image(p, "rgb") for p in paths], list(paths))


def _stack(arrays: list[np.ndarray], paths: list[Path]) -> np.ndarray:
    first = arrays[0].shape
    for path, array in zip(paths, arrays):
        if array.shape != first:
            raise ImageError(path, f"size {format_size(array.shape[:2])} differs from {paths[0]} ({format_size(first[:2])})")
    return np.stack(arrays)
