"""Validating a dataset against the challenge layout: every problem found and reported at once."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nircolor.data.io import IMAGE_EXTENSIONS, ImageError, Kind, access_problem, probe_image, read_image
from nircolor.data.layout import (
    KNOWN_DIRS,
    NIR_DIR,
    NIR_NAME,
    NOTE_NO_ONLINE,
    ONLINE_DIR,
    ONLINE_NAME,
    RGB_DIR,
    RGB_NAME,
    VAL_DIR,
    DatasetError,
    DatasetIndex,
    Pair,
    Problem,
    format_size,
)


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
    for pattern, folder in ((NIR_NAME, NIR_DIR), (RGB_NAME, RGB_DIR), (ONLINE_NAME, ONLINE_DIR)):
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
                f"size {format_size(sizes[odd])} (H×W) differs from its partner {other} ({format_size(sizes[other])})",
            )
            reported.add(odd)
    for path, size in sizes.items():
        if size != common and path not in reported:
            scan.problem(
                path, f"size {format_size(size)} (H×W) differs from the common size {format_size(common)} of {n_common} images"
            )
    if common[0] != common[1]:
        scan.problem(scan.root, f"images are {format_size(common)} (H×W); the model needs square images")
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

    nir = _match(scan, images_in(nir_dir, NIR_DIR, "<stem>_nir.png"), NIR_NAME, "'<stem>_nir.<ext>'")
    rgb = _match(scan, images_in(rgb_dir, RGB_DIR, "<stem>_rgb_reg.png"), RGB_NAME, "'<stem>_rgb_reg.<ext>'")
    pairs = _pair(scan, nir, rgb, root / NIR_DIR, root / RGB_DIR)

    online: list[Path] = []
    if online_dir is not None:
        online_files = images_in(online_dir, ONLINE_DIR, "<anything>_rgb_onl.png")
        online = sorted(_match(scan, online_files, ONLINE_NAME, "'<anything>_rgb_onl.<ext>'").values())
    if online_dir is None and not os.path.lexists(root / ONLINE_DIR):
        scan.notes.append(NOTE_NO_ONLINE)

    validation: list[Pair] = []
    val_nir: dict[str, Path] = {}
    val_rgb: dict[str, Path] = {}
    if val_dir is not None:
        val_files = images_in(val_dir, VAL_DIR, "<stem>_nir.png + <stem>_rgb_reg.png")
        val_nir_files = [p for p in val_files if not RGB_NAME.match(Path(p.name).stem)]
        val_rgb_files = [p for p in val_files if RGB_NAME.match(Path(p.name).stem)]
        val_nir = _match(scan, val_nir_files, NIR_NAME, "'<stem>_nir.<ext>' or '<stem>_rgb_reg.<ext>'")
        val_rgb = _match(scan, val_rgb_files, RGB_NAME, "'<stem>_rgb_reg.<ext>'")
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
