"""Image file I/O: decoding NIR/RGB files to uint8 arrays with clear errors, and deterministic PNG writes."""

from __future__ import annotations

import errno
import io
import os
import re
import sys
import threading
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, UnidentifiedImageError

from nircolor.fsutil import atomic_writer

Kind = Literal["nir", "rgb"]
# An image file by its path, or its bytes (a request payload): both go through the same checks.
Source = str | os.PathLike | bytes | bytearray | memoryview

IMAGE_EXTENSIONS: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})

# Far above the challenge's 256×256 but far below what would exhaust memory; checked from the
# header, before any pixel is decoded, so a hostile file (a "decompression bomb": a few hundred
# bytes whose header claims 100,000×100,000 pixels) never gets to allocate. Documented in README (Data).
MAX_PIXELS = 50_000_000

EXIF_ORIENTATION = 0x0112  # 1 = stored as displayed; 2…8 = a viewer flips/rotates it

# Fixed so that the same array always gives the same bytes (Pillow writes no time or text chunks
# unless asked); 6 is zlib's default trade-off. Bulk writers may pick another fixed level.
PNG_COMPRESS_LEVEL = 6

_OPEN_LOCK = threading.Lock()
_ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})
_GRAY16_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
# Pillow has no 3×16-bit mode: it decodes 48-bit colour to 8 bits by dropping the low byte.
# Decoding the same data again with the opposite byte order yields exactly the low bytes.
_OTHER_BYTE_ORDER = {
    "RGB;16B": "RGB;16L",
    "RGB;16L": "RGB;16B",
    "RGB;16N": "RGB;16B" if sys.byteorder == "little" else "RGB;16L",
}


def display_path(path: str | os.PathLike[str]) -> str:
    """The path as text any UTF-8 stream or file can hold: bytes that are not UTF-8 show as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


class ImageError(ValueError):
    """A file that cannot be used as a NIR or RGB image; the message is ``"<path>: <reason>"``."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{display_path(self.path)}: {reason}")


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image file says, before its pixels are decoded."""

    size: tuple[int, int]  # (H, W)
    mode: str  # Pillow mode as stored
    bits: int  # bits per channel in the file: 8 or 16


def access_problem(path: Path) -> str | None:
    """Why ``path`` cannot be followed (missing, broken link, loop, permissions), or None."""
    try:
        os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return f"broken symlink (target {os.readlink(path)!r} does not exist)"
        return "does not exist"
    except PermissionError:
        return "permission denied"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop (the link never reaches a file)"
        return f"cannot access ({exc.strerror or exc})"
    return None


def _file_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable regular file, or None when it is one."""
    reason = access_problem(path)
    if reason is not None:
        return reason
    if os.path.isdir(path):
        return "is a directory, not an image file"
    if not os.path.isfile(path):
        return "not a regular file"
    if os.stat(path).st_size == 0:
        return "zero-byte file"
    return None


def _source(source: Source, name: str | None) -> tuple[Path, bytes | None]:
    """(the name errors give, the bytes when `source` is bytes else None)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Path(name or "<image bytes>"), bytes(source)
    return Path(source), None


def _readable(path: Path, data: bytes | None) -> Path | io.BytesIO:
    """What Pillow opens: the file, or a fresh stream over the bytes."""
    return io.BytesIO(data) if data is not None else path


def _open(path: Path, data: bytes | None = None) -> Image.Image:
    """Open lazily (header only), turning every failure into an ImageError with a plain reason.

    `data`: the image's bytes (then `path` only names it in errors)."""
    reason = _file_problem(path) if data is None else ("zero bytes of image data" if not data else None)
    if reason is not None:
        raise ImageError(path, reason)
    try:
        # Pillow only warns between its own limit and twice it; treat both alike. catch_warnings
        # swaps process-wide state, hence the lock (opening reads the header only: cheap).
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(_readable(path, data))
    except PermissionError:
        raise ImageError(path, "permission denied (cannot read the file)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses above its own limit (> MAX_PIXELS) before reading the pixels; its message
        # carries the pixel count the header claims.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(claimed.group(1)):,} pixels" if claimed else "more pixels than Pillow allows"
        raise ImageError(path, _too_large(count)) from None
    except UnidentifiedImageError:
        raise ImageError(path, "not an image Pillow can read (unrecognised or corrupt header)") from None
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error) as exc:
        raise ImageError(path, f"not an image Pillow can read ({exc})") from None
    w, h = im.size
    if w * h > MAX_PIXELS:
        im.close()
        raise ImageError(path, _too_large(f"{h}×{w} = {w * h:,} pixels"))
    if w == 0 or h == 0:
        im.close()
        raise ImageError(path, f"empty image ({h}×{w})")
    return im


def _too_large(claimed: str) -> str:
    return (
        f"too large ({claimed} in the header > MAX_PIXELS {MAX_PIXELS:,}); refusing to decode "
        "(a decompression bomb or a huge scan: downscale or crop it)"
    )


def _rawmode(im: Image.Image) -> str | None:
    if not im.tile:
        return None
    args = im.tile[0].args
    return args[0] if isinstance(args, tuple) else args


def _bits(im: Image.Image) -> int:
    if im.mode in _GRAY16_MODES:
        return 16
    # Only 48-bit colour: "BGR;16" and the like are 5-6-5 packed pixels, fewer bits than 8.
    rawmode = _rawmode(im) or ""
    return 16 if im.mode == "RGB" and rawmode.startswith("RGB;16") else 8


def _check_mode(path: Path, im: Image.Image, kind: Kind) -> None:
    """Reject from the header what no decoding can make usable."""
    mode = im.mode
    if mode in _ALPHA_MODES or (mode == "P" and "transparency" in im.info):
        what = "palette transparency" if mode == "P" else f"mode {mode}"
        raise ImageError(path, f"has an alpha channel ({what}); expected {_expected(kind)}")
    if mode == "RGB" and _bits(im) == 16 and _rawmode(im) not in _OTHER_BYTE_ORDER:
        raise ImageError(path, f"16-bit colour layout {_rawmode(im)!r} cannot be decoded without losing bits")
    if kind == "rgb" and mode in {"1", "L"} | _GRAY16_MODES:
        raise ImageError(path, f"is single-channel (mode {mode}); expected {_expected(kind)}")
    if mode not in {"1", "L", "P", "RGB"} | _GRAY16_MODES:
        raise ImageError(path, f"unsupported image mode {mode!r}; expected {_expected(kind)}")


def _expected(kind: Kind) -> str:
    return "8- or 16-bit grayscale" if kind == "nir" else "8- or 16-bit RGB"


def probe_image(source: Source, kind: Kind, *, name: str | None = None) -> ImageInfo:
    """Check an image (a path, or the file's bytes named `name` in errors) from its header only
    (size, mode, alpha); pixels are not decoded."""
    path, data = _source(source, name)
    im = _open(path, data)
    with im:
        _check_mode(path, im, kind)
        return ImageInfo(size=(im.size[1], im.size[0]), mode=im.mode, bits=_bits(im))


def _scale16(values: np.ndarray) -> np.ndarray:
    """16-bit → 8-bit by round(v·255/65535); integer arithmetic, so exact and platform-independent."""
    v = values.astype(np.uint32)  # 65535·255 + 32767 < 2³²; half the memory of int64 on big images
    return ((v * 255 + 32767) // 65535).astype(np.uint8)


def _decode(path: Path, im: Image.Image, data: bytes | None = None) -> np.ndarray:
    """Fully decode an opened image: uint8 (H, W) or (H, W, 3), 16-bit scaled down."""
    rawmode = _rawmode(im)
    try:
        im.load()
        if im.mode in _GRAY16_MODES:
            values = np.asarray(im)
            if values.min(initial=0) < 0 or values.max(initial=0) > 65535:
                raise ImageError(path, f"{im.mode} values outside 0…65535")
            return _scale16(values)
        if im.mode == "RGB" and rawmode in _OTHER_BYTE_ORDER:
            high = np.asarray(im).astype(np.uint16)
            with Image.open(_readable(path, data)) as again:
                again.tile = [t._replace(args=_with_rawmode(t.args, _OTHER_BYTE_ORDER[rawmode])) for t in again.tile]
                again.load()
                low = np.asarray(again).astype(np.uint16)
            return _scale16(high << 8 | low)
        if im.mode in {"1", "P"}:
            im = im.convert("RGB" if im.mode == "P" else "L")
        return np.array(im, dtype=np.uint8)
    except ImageError:
        raise
    except PermissionError:
        raise ImageError(path, "permission denied (cannot read the file)") from None
    except MemoryError:
        raise ImageError(path, "too large to decode in memory") from None
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error) as exc:
        raise ImageError(path, f"truncated or corrupt image data ({exc})") from None


def _check_orientation(path: Path, im: Image.Image) -> None:
    """Refuse an EXIF rotation: viewers show the image turned, we would use the pixels as stored.

    Used as stored, a rotated RGB image is silently misregistered with its NIR partner, and a
    colorized NIR comes out turned against what its owner sees. Checked after decoding because
    a PNG may keep its eXIf chunk after the pixel data.
    """
    try:
        orientation = im.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # a malformed EXIF block is not worth refusing the pixels for
        return
    if orientation not in (None, 0, 1):
        raise ImageError(
            path,
            f"has EXIF orientation {orientation} (viewers show it rotated or flipped, but its pixels "
            "would be used as stored); save it with the rotation applied and no orientation tag",
        )


def _with_rawmode(args: object, rawmode: str) -> object:
    return (rawmode, *args[1:]) if isinstance(args, tuple) else rawmode


def read_image(source: Source, kind: Kind, *, name: str | None = None) -> np.ndarray:
    """Decode one image file (a path, or its bytes) to uint8: NIR → (H, W), RGB → (H, W, 3).

    16-bit files are scaled by round(v·255/65535). A NIR image stored with three channels is
    accepted only when the channels are equal. Raises ImageError naming the file (for bytes:
    `name`, default "<image bytes>") and the reason; bytes pass the same checks as a file.
    """
    if kind not in ("nir", "rgb"):
        raise ValueError(f"kind must be 'nir' or 'rgb', got {kind!r}")
    path, data = _source(source, name)
    im = _open(path, data)
    with im:
        _check_mode(path, im, kind)
        array = _decode(path, im, data)
        _check_orientation(path, im)
    if kind == "rgb":
        return array
    if array.ndim == 3:
        if not (np.array_equal(array[..., 0], array[..., 1]) and np.array_equal(array[..., 0], array[..., 2])):
            raise ImageError(path, "NIR image has 3 unequal channels (a colour image, not NIR)")
        array = np.ascontiguousarray(array[..., 0])
    return array


def write_png(path: str | os.PathLike[str], array: np.ndarray, *, compress_level: int = PNG_COMPRESS_LEVEL) -> None:
    """Write a uint8 (H, W) or (H, W, 3) array as PNG: same array → same bytes; never a partial file.

    The bytes depend only on the array and ``compress_level`` (and the zlib build).
    """
    path = Path(path)
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"write_png needs uint8, got {array.dtype}")
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(f"write_png needs shape (H, W) or (H, W, 3), got {array.shape}")
    image = Image.fromarray(np.ascontiguousarray(array))
    # atomic_writer's temporary name has no image extension: a crash leaves nothing a dataset
    # scan mistakes for an image
    with atomic_writer(path, "wb") as f:
        image.save(f, format="PNG", compress_level=compress_level, optimize=False)
