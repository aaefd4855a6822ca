"""Broken-dataset corpus: one builder per way a dataset (or a NIR file given to colorize) can be wrong.

Every builder writes a small valid dataset in the challenge layout (3 training pairs, 2 validation
pairs, 32×32, every image distinct), breaks exactly one thing, and returns a `Case` saying what
`validate_dataset` / the `ingest` stage must report (the path it must name and a fragment of the
reason) and what `nircolor colorize` must do with the NIR inputs the case names. A few cases are
documented *acceptances* (16-bit NIR, palette NIR): the right outcome there is success.

Use: ``case = CASES["truncated_png"](tmp_path / "d")``; ``case.root`` is the dataset.
"""

from __future__ import annotations

import os
import shutil
import struct
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 32
BOMB_SIDE = 100_000  # the bomb's header claims 100,000×100,000 = 10¹⁰ pixels in a 100-byte file


@dataclass(frozen=True)
class Case:
    """One broken (or deliberately accepted) dataset and the outcome each entry point must give."""

    name: str
    root: Path
    what: str  # one line for docs/reliability.md
    bad: Path | None  # the file or folder ingest's error must name (None: ingest accepts the dataset)
    fragment: str  # a fragment of ingest's reason for `bad` ("" when accepted)
    layout: bool = False  # ingest's error must also print the expected layout
    colorize: tuple[Path, ...] = ()  # NIR inputs to give `nircolor colorize`
    colorize_bad: Path | None = None  # the input colorize must name (None: colorize accepts them)
    colorize_fragment: str = ""
    needs_non_root: bool = False  # chmod 000 means nothing to root
    extra: dict = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.bad is None


# --- the valid base ------------------------------------------------------------------------------


def nir_array(seed: int, size: int = SIZE) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)


def rgb_array(seed: int, size: int = SIZE) -> np.ndarray:
    return np.random.default_rng(seed + 10_000).integers(0, 256, (size, size, 3), dtype=np.uint8)


def write(path: Path, image: np.ndarray | Image.Image, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(path, **kwargs)
    return path


def base_dataset(root: Path) -> Path:
    """A valid dataset: NIR/ + RGB-Registered/ (country_0000…0002), Validation/ (validation_0000…0001)."""
    for i in range(3):
        write(root / "NIR" / f"country_{i:04d}_nir.png", nir_array(i))
        write(root / "RGB-Registered" / f"country_{i:04d}_rgb_reg.png", rgb_array(i))
    for i in range(2):
        write(root / "Validation" / f"validation_{i:04d}_nir.png", nir_array(100 + i))
        write(root / "Validation" / f"validation_{i:04d}_rgb_reg.png", rgb_array(100 + i))
    return root


def nir(root: Path, i: int = 1) -> Path:
    return root / "NIR" / f"country_{i:04d}_nir.png"


def rgb(root: Path, i: int = 1) -> Path:
    return root / "RGB-Registered" / f"country_{i:04d}_rgb_reg.png"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_header(path: Path, width: int, height: int, idat: bytes = b"") -> Path:
    """A syntactically valid 8-bit grey PNG whose IHDR claims width×height; the pixel data is `idat`."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(idat)) + _chunk(b"IEND", b"")
    )
    return path


def _refused_nir(name: str, root: Path, what: str, path: Path, fragment: str, **kw) -> Case:
    """A broken NIR training file: ingest and colorize both name it with the same reason."""
    return Case(name, root, what, path, fragment, colorize=(path,), colorize_bad=path, colorize_fragment=fragment, **kw)


# --- file contents -------------------------------------------------------------------------------


def zero_byte(root: Path) -> Case:
    base_dataset(root)
    nir(root).write_bytes(b"")
    return _refused_nir("zero_byte", root, "a zero-byte .png", nir(root), "zero-byte file")


def truncated_png(root: Path) -> Case:
    base_dataset(root)
    data = nir(root).read_bytes()
    nir(root).write_bytes(data[: len(data) // 2])
    return _refused_nir("truncated_png", root, "a PNG cut in half (header intact)", nir(root), "truncated")


def corrupt_middle(root: Path) -> Case:
    base_dataset(root)
    data = bytearray(nir(root).read_bytes())
    mid = len(data) // 2
    data[mid : mid + 32] = bytes(b ^ 0xFF for b in data[mid : mid + 32])  # inside the compressed pixel data
    nir(root).write_bytes(bytes(data))
    return _refused_nir("corrupt_middle", root, "32 flipped bytes in the middle of a PNG", nir(root),
                        "truncated or corrupt image data")  # fmt: skip


def not_an_image(root: Path) -> Case:
    base_dataset(root)
    nir(root).write_text("name,value\nthis is a CSV file saved with a .png extension\n")
    return _refused_nir("not_an_image", root, "a text file named .png", nir(root), "not an image Pillow can read")


def decompression_bomb(root: Path) -> Case:
    base_dataset(root)
    png_with_header(nir(root), BOMB_SIDE, BOMB_SIDE)
    return _refused_nir("decompression_bomb", root, f"a ~100-byte PNG whose header claims {BOMB_SIDE:,}×{BOMB_SIDE:,}",
                        nir(root), "too large")  # fmt: skip


def zero_width(root: Path) -> Case:
    base_dataset(root)
    png_with_header(nir(root), 0, SIZE)
    return _refused_nir("zero_width", root, "a PNG whose header says 0×32 pixels", nir(root),
                        "not an image Pillow can read")  # fmt: skip


# --- modes and channels --------------------------------------------------------------------------


def alpha_channel(root: Path) -> Case:
    base_dataset(root)
    write(nir(root), np.stack([nir_array(1), np.full((SIZE, SIZE), 255, np.uint8)], axis=-1))  # LA
    return _refused_nir("alpha_channel", root, "a NIR image with an alpha channel (LA)", nir(root),
                        "has an alpha channel")  # fmt: skip


def palette_transparency(root: Path) -> Case:
    base_dataset(root)
    write(rgb(root), Image.fromarray(rgb_array(1)).quantize(colors=8), transparency=0)
    return Case("palette_transparency", root, "an RGB palette image with a transparent index", rgb(root),
                "has an alpha channel (palette transparency)", colorize=(nir(root),))  # fmt: skip


def cmyk_jpeg(root: Path) -> Case:
    base_dataset(root)
    nir(root).unlink()
    path = write(root / "NIR" / "country_0001_nir.jpg", Image.fromarray(rgb_array(1)).convert("CMYK"), quality=95)
    return _refused_nir("cmyk_jpeg", root, "a CMYK JPEG as NIR", path, "unsupported image mode 'CMYK'")


def nir_is_colour(root: Path) -> Case:
    base_dataset(root)
    write(nir(root), rgb_array(50))
    return _refused_nir("nir_is_colour", root, "a colour image in NIR/ (3 unequal channels)", nir(root),
                        "3 unequal channels")  # fmt: skip


def rgb_is_grey(root: Path) -> Case:
    base_dataset(root)
    write(rgb(root), nir_array(51))
    return Case("rgb_is_grey", root, "a greyscale image in RGB-Registered/", rgb(root), "is single-channel",
                colorize=(nir(root),))  # fmt: skip


def exif_rotated(root: Path) -> Case:
    base_dataset(root)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    write(nir(root), nir_array(1), exif=exif)
    return _refused_nir("exif_rotated", root, "a NIR PNG with EXIF orientation 6 (shown rotated)", nir(root),
                        "EXIF orientation 6")  # fmt: skip


# --- pairing and sizes ---------------------------------------------------------------------------


def size_mismatch(root: Path) -> Case:
    base_dataset(root)
    write(rgb(root), rgb_array(1, size=48))
    # colorize takes any size: the 32×32 NIR of the pair is fine on its own
    return Case("size_mismatch", root, "an RGB partner of another size (48×48 vs 32×32)", rgb(root),
                "differs from its partner", colorize=(nir(root),))  # fmt: skip


def missing_partner(root: Path) -> Case:
    base_dataset(root)
    rgb(root, 2).unlink()
    return Case("missing_partner", root, "a NIR image without its RGB partner", nir(root, 2), "no RGB partner",
                colorize=(nir(root, 2),))  # fmt: skip


def duplicate_stem_formats(root: Path) -> Case:
    base_dataset(root)
    jpg = write(root / "NIR" / "country_0001_nir.jpg", nir_array(1), quality=95)
    # colorize would write both to country_0001_rgb.png, the second silently replacing the first
    return Case("duplicate_stem_formats", root, "the same stem as .png and .jpg", jpg, "duplicate stem 'country_0001'",
                colorize=(root / "NIR",), colorize_bad=jpg,
                colorize_fragment="would be written to the same")  # fmt: skip


def validation_leak(root: Path) -> Case:
    base_dataset(root)
    path = root / "Validation" / "validation_0001_nir.png"
    shutil.copyfile(nir(root, 2), path)
    return Case("validation_leak", root, "a validation NIR identical to a training NIR", path,
                "identical to training image", colorize=(path,))  # fmt: skip


def unicode_normalization(root: Path) -> Case:
    base_dataset(root)
    stem = "café_0005"
    nfc, nfd = unicodedata.normalize("NFC", stem), unicodedata.normalize("NFD", stem)
    path = write(root / "NIR" / f"{nfc}_nir.png", nir_array(5))
    write(root / "RGB-Registered" / f"{nfd}_rgb_reg.png", rgb_array(5))
    return Case("unicode_normalization", root, "partners whose names differ only in Unicode form (NFC vs NFD é)",
                path, "NFC vs NFD", colorize=(path,))  # fmt: skip


def non_utf8_name(root: Path) -> Case:
    base_dataset(root)
    raw = os.fsencode(root / "NIR") + b"/country_\xff\xfe_nir.png"  # bytes that are not UTF-8
    with open(raw, "wb") as fh:
        fh.write(nir(root).read_bytes())
    path = Path(os.fsdecode(raw))
    # colorize needs no more than a file name to write next to: it accepts the file
    return Case("non_utf8_name", root, "a file name with bytes that are not UTF-8", path, "not valid UTF-8",
                colorize=(path,))  # fmt: skip


# --- filesystem ----------------------------------------------------------------------------------


def symlink_loop(root: Path) -> Case:
    base_dataset(root)
    a, b = root / "NIR" / "country_0003_nir.png", root / "NIR" / "country_0004_nir.png"
    a.symlink_to(b.name)
    b.symlink_to(a.name)
    return _refused_nir("symlink_loop", root, "two links pointing at each other", a, "symlink loop")


def broken_symlink(root: Path) -> Case:
    base_dataset(root)
    nir(root).unlink()
    nir(root).symlink_to(root.parent / "moved-away.png")
    return _refused_nir("broken_symlink", root, "a link to a file that is gone", nir(root), "broken symlink")


def unreadable_file(root: Path) -> Case:
    base_dataset(root)
    nir(root).chmod(0)
    return _refused_nir("unreadable_file", root, "a NIR file with mode 000", nir(root), "permission denied",
                        needs_non_root=True)  # fmt: skip


def nir_is_directory(root: Path) -> Case:
    base_dataset(root)
    nir(root).unlink()
    nir(root).mkdir()
    return Case("nir_is_directory", root, "a folder named country_0001_nir.png", nir(root),
                "is a folder named like an image file", colorize=(root / "NIR",), colorize_bad=nir(root),
                colorize_fragment="is a directory, not an image file")  # fmt: skip


# --- layout --------------------------------------------------------------------------------------


def empty_root(root: Path) -> Case:
    root.mkdir(parents=True)
    return Case("empty_root", root, "an empty dataset folder", root / "NIR", "NIR/ folder is missing", layout=True,
                colorize=(root,), colorize_bad=root, colorize_fragment="folder holds no images")  # fmt: skip


def empty_nir_folder(root: Path) -> Case:
    base_dataset(root)
    shutil.rmtree(root / "NIR")
    (root / "NIR").mkdir()
    return Case("empty_nir_folder", root, "an empty NIR/ folder", root / "NIR", "holds no images", layout=True,
                colorize=(root / "NIR",), colorize_bad=root / "NIR",
                colorize_fragment="folder holds no images")  # fmt: skip


def files_at_top_level(root: Path) -> Case:
    base_dataset(root)
    for folder in ("NIR", "RGB-Registered", "Validation"):
        for f in (root / folder).iterdir():
            f.rename(root / f.name)
        (root / folder).rmdir()
    # colorize on the flat folder takes the *_rgb_reg.png images for NIR and says they are colour
    return Case("files_at_top_level", root, "every image directly in the root, no folders", root,
                "lie directly in the dataset root", layout=True, colorize=(root,),
                colorize_bad=root / "country_0000_rgb_reg.png", colorize_fragment="3 unequal channels")  # fmt: skip


def lowercase_nir_folder(root: Path) -> Case:
    base_dataset(root)
    (root / "NIR").rename(root / "nir")
    return Case("lowercase_nir_folder", root, "nir/ instead of NIR/", root / "NIR", "found 'nir'", layout=True,
                colorize=(root / "nir",))  # fmt: skip


def nested_one_level_too_deep(root: Path) -> Case:
    base_dataset(root / "vcip2020")
    return Case("nested_one_level_too_deep", root, "the dataset one folder down (DATA/vcip2020/NIR/...)",
                root / "NIR", "NIR/ folder is missing", layout=True, colorize=(root,), colorize_bad=root,
                colorize_fragment="subfolders are not searched")  # fmt: skip


# --- documented acceptances ----------------------------------------------------------------------


def sixteen_bit_nir(root: Path) -> Case:
    base_dataset(root)
    values = np.full((SIZE, SIZE), 65535, np.uint16)
    values[: SIZE // 2] = 32768  # → round(32768·255/65535) = 128
    write(nir(root), values)
    return Case("sixteen_bit_nir", root, "a 16-bit NIR PNG (accepted: scaled by round(v·255/65535))", None, "",
                colorize=(nir(root),), extra={"expected_row0": 128, "expected_last_row": 255})  # fmt: skip


def grey_palette_nir(root: Path) -> Case:
    base_dataset(root)
    image = Image.new("P", (SIZE, SIZE))
    image.putpalette([v for i in range(256) for v in (i, i, i)])
    image.putdata(nir_array(1).ravel().tolist())
    write(nir(root), image)
    return Case("grey_palette_nir", root, "a NIR stored as a grey palette image (accepted: converted)", None, "",
                colorize=(nir(root),))  # fmt: skip


Builder = Callable[[Path], Case]
CASES: dict[str, Builder] = {
    b.__name__: b
    for b in (
        zero_byte, truncated_png, corrupt_middle, not_an_image, decompression_bomb, zero_width,
        alpha_channel, palette_transparency, cmyk_jpeg, nir_is_colour, rgb_is_grey, exif_rotated,
        size_mismatch, missing_partner, duplicate_stem_formats, validation_leak, unicode_normalization,
        non_utf8_name, symlink_loop, broken_symlink, unreadable_file, nir_is_directory,
        empty_root, empty_nir_folder, files_at_top_level, lowercase_nir_folder, nested_one_level_too_deep,
        sixteen_bit_nir, grey_palette_nir,
    )
}  # fmt: skip


def restore_permissions(root: Path) -> None:
    """Undo chmod 000 so pytest can delete the tree."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
