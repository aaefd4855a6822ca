"""The VCIP 2020 challenge layout: finding its files, validating all of them at once, loading pairs."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nircolor.data.io import (
    IMAGE_EXTENSIONS,
    ImageError,
    Kind,
    access_problem,
    display_path,
    probe_image,
    read_image,
)

SYNTHETIC_LABEL = "SYNTHETIC.md"  # written by nircolor synth beside the challenge folders
NIR_DIR = "NIR"
RGB_DIR = "RGB-Registered"
ONLINE_DIR = "RGB-Online"
VAL_DIR = "Validation"
KNOWN_DIRS = (NIR_DIR, RGB_DIR, ONLINE_DIR, VAL_DIR)

_NIR_NAME = re.compile(r"^(?P<stem>.+)_nir$")
_RGB_NAME = re.compile(r"^(?P<stem>.+)_rgb_reg$")
_ONLINE_NAME = re.compile(r"^(?P<stem>.+)_rgb_onl$")
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


@dataclass
class _Scan:
    """Mutable state of one validation run; frozen into a DatasetIndex or a DatasetError at the end."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    show_layout: bool = False

    def problem(self, path: Path, reason: str) -> None:
        self.problems.append(Problem(path, reason))

    def layout_problem(self, path: Path, reason: str) -> None:
        self.problems.append(Problem(path, reason))
        self.show_layout = True


def _stat_reason(path: Path) -> str | None:
    """Why a directory entry cannot be followed (broken link, loop, permissions), or None."""
    return access_problem(path)


def _case_hint(root: Path, name: str) -> str:
    try:
        others = [e for e in os.listdir(root) if e.lower() == name.lower() and e != name]
    except OSError:
        return ""
    return f" (found {others[0]!r}: folder names are case-sensitive)" if others else ""


def _list_images(scan: _Scan, folder: Path) -> list[Path]:
    """Image files directly in ``folder``; everything else goes to ``ignored`` or ``problems``."""
    try:
        names = sorted(os.listdir(folder))
    except PermissionError:
        scan.problem(folder, "permission denied (cannot list the folder)")
        return []
    except OSError as exc:
        scan.problem(folder, f"cannot list the folder ({exc.strerror or exc})")
        return []
    images = []
    for name in names:
        path = folder / name
        is_image_name = Path(name).suffix.lower() in IMAGE_EXTENSIONS
        reason = _stat_reason(path)
        if not _utf8(name):
            scan.problem(path, NOT_UTF8)
        elif reason is not None and is_image_name:
            scan.problem(path, reason)
        elif reason is not None:
            # A dangling link not named like an image is clutter, not a missing image.
            scan.ignored.append((path, reason))
        elif path.is_dir() and is_image_name and not name.startswith("."):
            scan.problem(path, "is a folder named like an image file; put the image itself here")
        elif path.is_dir():
            scan.ignored.append((path, "subfolder (not searched)"))
        elif name.startswith("."):
            # macOS and editors drop ._foo.png and similar next to real files; they are never data.
            scan.ignored.append((path, "hidden file"))
        elif not is_image_name:
            scan.ignored.append((path, f"not an image file (extension {Path(name).suffix or 'none'!r})"))
        elif not path.is_file():
            scan.problem(path, "not a regular file")
        else:
            images.append(path)
    return images


NOT_UTF8 = "file name is not valid UTF-8 (reports and the ingest CSV cannot name it); rename it"


def _utf8(name: str) -> bool:
    """False for a name os.listdir could only decode with surrogate escapes (invalid UTF-8 bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _match(scan: _Scan, paths: list[Path], pattern: re.Pattern[str], expected: str) -> dict[str, Path]:
    """Stem → file for names matching ``pattern``; reports misnamed files and duplicate stems."""
    by_stem: dict[str, list[Path]] = {}
    for path in paths:
        m = pattern.match(Path(path.name).stem)
        if m is None:
            scan.problem(path, f"name does not match {expected}{_name_hint(path)}")
            continue
        by_stem.setdefault(m.group("stem"), []).append(path)
    for stem, found in by_stem.items():
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            for path in found:
                scan.problem(path, f"duplicate stem {stem!r} ({names})")
    return {stem: found[0] for stem, found in by_stem.items()}


def _name_hint(path: Path) -> str:
    stem = Path(path.name).stem
    for pattern, folder in ((_NIR_NAME, NIR_DIR), (_RGB_NAME, RGB_DIR), (_ONLINE_NAME, ONLINE_DIR)):
        if pattern.match(stem) and path.parent.name != folder:
            return f" (looks like a file for {folder}/)"
    return ""


def _unicode_hint(stem: str, others: dict[str, Path]) -> str:
    """Names that look identical but differ in Unicode normalization (é as one or two code points)."""
    nfc = unicodedata.normalize("NFC", stem)
    for other, path in others.items():
        if other != stem and unicodedata.normalize("NFC", other) == nfc:
            return (
                f"; {path.name} looks the same but is spelled with other Unicode code points "
                "(NFC vs NFD): rename one so both use the same form"
            )
    return ""


def _pair(scan: _Scan, nir: dict[str, Path], rgb: dict[str, Path], nir_dir: Path, rgb_dir: Path) -> list[Pair]:
    for stem in sorted(nir.keys() - rgb.keys()):
        hint = _unicode_hint(stem, rgb)
        scan.problem(nir[stem], f"NIR image has no RGB partner (expected {rgb_dir / (stem + '_rgb_reg.png')}){hint}")
    for stem in sorted(rgb.keys() - nir.keys()):
        hint = _unicode_hint(stem, nir)
        scan.problem(rgb[stem], f"RGB image has no NIR partner (expected {nir_dir / (stem + '_nir.png')}){hint}")
    return [Pair(stem, nir[stem], rgb[stem]) for stem in sorted(nir.keys() & rgb.keys())]


def _folder(scan: _Scan, name: str, *, required: bool) -> Path | None:
    folder = scan.root / name
    reason = _stat_reason(folder)
    if reason is not None and os.path.lexists(folder):
        scan.layout_problem(folder, f"{name}/ {reason}")
        return None
    if not folder.exists():
        if required:
            scan.layout_problem(folder, f"{name}/ folder is missing{_case_hint(scan.root, name)}")
        return None
    if not folder.is_dir():
        scan.layout_problem(folder, f"{name} is a file, expected a folder")
        return None
    return folder


def _inspect(path: Path, kind: Kind, decode: bool) -> tuple[tuple[int, int], int, bytes | None]:
    """(H, W), bits per channel and a pixel digest (when decoded) of one file; raises ImageError."""
    info = probe_image(path, kind)
    if not decode:
        return info.size, info.bits, None
    array = read_image(path, kind)
    digest = hashlib.blake2b(array.tobytes(), digest_size=16).digest() + repr(array.shape).encode()
    return (array.shape[0], array.shape[1]), info.bits, digest


def _check_images(
    scan: _Scan, files: list[tuple[Path, Kind]], decode: bool
) -> tuple[dict[Path, tuple[int, int]], dict[Path, bytes]]:
    """Open every image (fully when ``decode``): (H, W) sizes and pixel digests, reporting failures."""

    def inspect(item: tuple[Path, Kind]) -> tuple[tuple[int, int], int, bytes | None] | ImageError:
        try:
            return _inspect(item[0], item[1], decode)
        except ImageError as exc:
            return exc

    # Pillow's decoders and zlib release the GIL, so threads decode in parallel.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(inspect, files))
    sizes: dict[Path, tuple[int, int]] = {}
    digests: dict[Path, bytes] = {}
    n16 = 0
    for (path, _), result in zip(files, results):
        if isinstance(result, ImageError):
            scan.problem(path, result.reason)
            continue
        sizes[path], bits, digest = result
        n16 += bits == 16
        if digest is not None:
            digests[path] = digest
    if n16:
        scan.notes.append(f"{n16} image{'s are' if n16 > 1 else ' is'} 16-bit, scaled to 8-bit on read")
    if not decode:
        scan.notes.append("headers only (decode=False): truncated pixel data and NIR channel equality not checked")
    return sizes, digests


def _check_leakage(scan: _Scan, digests: dict[Path, bytes], pairs: list[Pair], validation: list[Pair]) -> None:
    """A validation NIR image identical to a training one leaks the test set, whatever its name."""
    train = {digests[p.nir]: p.nir for p in pairs if p.nir in digests}
    for pair in validation:
        twin = train.get(digests.get(pair.nir, b""))
        if twin is not None:
            scan.problem(pair.nir, f"validation NIR image is identical to training image {twin}")


def _fmt(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


def _check_sizes(
    scan: _Scan, sizes: dict[Path, tuple[int, int]], pairs: list[Pair]
) -> tuple[int, int]:
    """One square size for all images; returns it ((0, 0) when nothing could be read)."""
    if not sizes:
        return (0, 0)
    counts = Counter(sizes.values())
    common, n_common = counts.most_common(1)[0]
    reported: set[Path] = set()
    for pair in pairs:
        if pair.nir in sizes and pair.rgb in sizes and sizes[pair.nir] != sizes[pair.rgb]:
            # Blame the member that disagrees with the rest of the dataset.
            odd, other = (pair.nir, pair.rgb) if sizes[pair.nir] != common else (pair.rgb, pair.nir)
            scan.problem(
                odd,
                f"size {_fmt(sizes[odd])} (H×W) differs from its partner {other} ({_fmt(sizes[other])})",
            )
            reported.add(odd)
    for path, size in sizes.items():
        if size != common and path not in reported:
            scan.problem(
                path, f"size {_fmt(size)} (H×W) differs from the common size {_fmt(common)} of {n_common} images"
            )
    if common[0] != common[1]:
        scan.problem(scan.root, f"images are {_fmt(common)} (H×W); the model needs square images")
    return common


def validate_dataset(root: str | os.PathLike[str], *, decode: bool = True) -> DatasetIndex:
    """Check a dataset in the challenge layout and index it; raise DatasetError listing every problem.

    With ``decode=True`` every image is fully decoded (catches truncation and colour NIR);
    with ``decode=False`` only names, pairing, headers and sizes are checked.
    """
    root = Path(root)
    scan = _Scan(root=root)
    reason = _stat_reason(root)
    if reason is not None or not root.exists():
        what = "does not exist" if reason in (None, "does not exist") else reason
        scan.layout_problem(root, f"dataset root {what}")
        raise DatasetError(scan.problems, root=root, show_layout=True)
    if not root.is_dir():
        scan.layout_problem(root, "dataset root is a file, expected a folder")
        raise DatasetError(scan.problems, root=root, show_layout=True)

    try:
        top = sorted(os.listdir(root))
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        scan.layout_problem(root, f"cannot list the dataset root ({reason})")
        raise DatasetError(scan.problems, root=root, show_layout=True) from None
    for name in top:
        if not _utf8(name):
            scan.problem(root / name, NOT_UTF8)
        elif name not in KNOWN_DIRS:
            scan.ignored.append((root / name, "not part of the challenge layout"))

    nir_dir = _folder(scan, NIR_DIR, required=True)
    rgb_dir = _folder(scan, RGB_DIR, required=True)
    online_dir = _folder(scan, ONLINE_DIR, required=False)
    val_dir = _folder(scan, VAL_DIR, required=True)
    loose = [n for n in top if Path(n).suffix.lower() in IMAGE_EXTENSIONS and _utf8(n)]
    if loose and scan.show_layout:
        scan.layout_problem(
            root,
            f"{len(loose)} image file{'s lie' if len(loose) > 1 else ' lies'} directly in the dataset root "
            f"(e.g. {loose[0]}); move them into {NIR_DIR}/, {RGB_DIR}/ and {VAL_DIR}/",
        )

    def images_in(folder: Path | None, name: str, expected: str) -> list[Path]:
        if folder is None:
            return []
        found = _list_images(scan, folder)
        if not found:
            scan.layout_problem(folder, f"{name}/ holds no images (expected {expected} files)")
        return found

    nir = _match(scan, images_in(nir_dir, NIR_DIR, "<stem>_nir.png"), _NIR_NAME, "'<stem>_nir.<ext>'")
    rgb = _match(scan, images_in(rgb_dir, RGB_DIR, "<stem>_rgb_reg.png"), _RGB_NAME, "'<stem>_rgb_reg.<ext>'")
    pairs = _pair(scan, nir, rgb, root / NIR_DIR, root / RGB_DIR)

    online: list[Path] = []
    if online_dir is not None:
        online_files = images_in(online_dir, ONLINE_DIR, "<anything>_rgb_onl.png")
        online = sorted(_match(scan, online_files, _ONLINE_NAME, "'<anything>_rgb_onl.<ext>'").values())
    if online_dir is None and not os.path.lexists(root / ONLINE_DIR):
        scan.notes.append(NOTE_NO_ONLINE)

    validation: list[Pair] = []
    val_nir: dict[str, Path] = {}
    val_rgb: dict[str, Path] = {}
    if val_dir is not None:
        val_files = images_in(val_dir, VAL_DIR, "<stem>_nir.png + <stem>_rgb_reg.png")
        val_nir_files = [p for p in val_files if not _RGB_NAME.match(Path(p.name).stem)]
        val_rgb_files = [p for p in val_files if _RGB_NAME.match(Path(p.name).stem)]
        val_nir = _match(scan, val_nir_files, _NIR_NAME, "'<stem>_nir.<ext>' or '<stem>_rgb_reg.<ext>'")
        val_rgb = _match(scan, val_rgb_files, _RGB_NAME, "'<stem>_rgb_reg.<ext>'")
        validation = _pair(scan, val_nir, val_rgb, val_dir, val_dir)
        for pair in validation:
            if pair.stem in nir or pair.stem in rgb:
                train = nir.get(pair.stem) or rgb[pair.stem]
                scan.problem(pair.nir, f"validation pair also in training set ({train})")

    files: list[tuple[Path, Kind]] = [(p, "nir") for p in nir.values()] + [(p, "rgb") for p in rgb.values()]
    files += [(p, "rgb") for p in online]
    files += [(p, "nir") for p in val_nir.values()] + [(p, "rgb") for p in val_rgb.values()]
    files.sort(key=lambda f: str(f[0]))
    sizes, digests = _check_images(scan, files, decode)
    image_size = _check_sizes(scan, sizes, pairs + validation)
    _check_leakage(scan, digests, pairs, validation)

    if scan.problems:
        problems = sorted(scan.problems, key=lambda p: str(p.path))
        raise DatasetError(problems, root=root, show_layout=scan.show_layout)
    return DatasetIndex(
        root=root,
        pairs=tuple(pairs),
        unpaired_rgb=tuple(online),
        validation=tuple(validation),
        ignored=tuple(sorted(scan.ignored, key=lambda item: str(item[0]))),
        has_online=bool(online),
        notes=tuple(scan.notes),
        image_size=image_size,
    )


def load_pairs(pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
    """Decode pairs into (N, H, W) uint8 NIR and (N, H, W, 3) uint8 RGB stacks."""
    if not pairs:
        return np.zeros((0, 0, 0), np.uint8), np.zeros((0, 0, 0, 3), np.uint8)
    nir = [read_image(p.nir, "nir") for p in pairs]
    rgb = [read_image(p.rgb, "rgb") for p in pairs]
    for pair, n, r in zip(pairs, nir, rgb):
        if n.shape != r.shape[:2]:
            reason = f"size {_fmt(r.shape[:2])} differs from its partner {pair.nir} ({_fmt(n.shape)})"
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
            raise ImageError(path, f"size {_fmt(array.shape[:2])} differs from {paths[0]} ({_fmt(first[:2])})")
    return np.stack(arrays)
