"""Tests for nircolor.data.io: decoding every accepted file kind, and a clear reason for every rejected one."""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nircolor.data import io as data_io
from nircolor.data.io import IMAGE_EXTENSIONS, ImageError, probe_image, read_image, write_png

RNG = np.random.default_rng(0)
GRAY = RNG.integers(0, 256, (8, 12), dtype=np.uint8)
COLOUR = RNG.integers(0, 256, (8, 12, 3), dtype=np.uint8)
SIXTEEN = np.array([[0, 1, 128, 129, 255, 256, 32767, 32768, 65534, 65535]], np.uint16)
# round(v·255/65535), written out by hand for the values above.
SIXTEEN_AS_8 = np.array([[0, 0, 0, 1, 1, 1, 127, 128, 255, 255]], np.uint8)


def _png16(path: Path, values: np.ndarray) -> Path:
    """A 16-bit PNG written byte by byte: Pillow cannot write 48-bit colour."""
    values = np.asarray(values, dtype=">u2")
    h, w = values.shape[:2]
    colour_type = {2: 0, 3: 2}[values.ndim]
    raw = b"".join(b"\x00" + values[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )
    return path


def _save(path: Path, image: Image.Image, **kwargs) -> Path:
    image.save(path, **kwargs)
    return path


def _reason(excinfo: pytest.ExceptionInfo[ImageError]) -> str:
    return excinfo.value.reason


# --- accepted files -----------------------------------------------------------------------------


def test_gray_png_reads_as_nir(tmp_path):
    out = read_image(_save(tmp_path / "a.png", Image.fromarray(GRAY)), "nir")
    assert out.dtype == np.uint8 and out.shape == GRAY.shape
    np.testing.assert_array_equal(out, GRAY)


def test_rgb_png_reads_as_rgb(tmp_path):
    out = read_image(_save(tmp_path / "a.png", Image.fromarray(COLOUR)), "rgb")
    assert out.dtype == np.uint8 and out.shape == COLOUR.shape
    np.testing.assert_array_equal(out, COLOUR)


@pytest.mark.parametrize("ext", [".tif", ".bmp"])
def test_lossless_formats_round_trip(tmp_path, ext):
    np.testing.assert_array_equal(read_image(_save(tmp_path / f"a{ext}", Image.fromarray(COLOUR)), "rgb"), COLOUR)
    np.testing.assert_array_equal(read_image(_save(tmp_path / f"b{ext}", Image.fromarray(GRAY)), "nir"), GRAY)


def test_jpeg_reads(tmp_path):
    out = read_image(_save(tmp_path / "a.jpg", Image.fromarray(COLOUR), quality=95), "rgb")
    assert out.shape == COLOUR.shape and out.dtype == np.uint8


def test_nir_stored_as_three_equal_channels_is_accepted(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(np.repeat(GRAY[..., None], 3, axis=2)))
    out = read_image(path, "nir")
    assert out.shape == GRAY.shape
    np.testing.assert_array_equal(out, GRAY)


def test_nir_with_three_unequal_channels_is_rejected(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(COLOUR))
    with pytest.raises(ImageError, match="3 unequal channels") as excinfo:
        read_image(path, "nir")
    assert str(excinfo.value).startswith(f"{path}: ")


def test_16bit_gray_png_is_scaled_by_rounding(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(SIXTEEN))
    assert Image.open(path).mode == "I;16"
    np.testing.assert_array_equal(read_image(path, "nir"), SIXTEEN_AS_8)
    assert probe_image(path, "nir").bits == 16


def test_16bit_big_endian_tiff_is_scaled(tmp_path):
    path = _save(tmp_path / "a.tif", Image.fromarray(SIXTEEN.astype(">u2")))
    assert Image.open(path).mode == "I;16B"
    np.testing.assert_array_equal(read_image(path, "nir"), SIXTEEN_AS_8)


def test_32bit_integer_tiff_in_16bit_range_is_scaled(tmp_path):
    path = _save(tmp_path / "a.tif", Image.fromarray(SIXTEEN.astype(np.int32)))
    assert Image.open(path).mode == "I"
    np.testing.assert_array_equal(read_image(path, "nir"), SIXTEEN_AS_8)


def test_32bit_integer_outside_16bit_range_is_rejected(tmp_path):
    path = _save(tmp_path / "a.tif", Image.fromarray(np.array([[0, 70000]], np.int32)))
    with pytest.raises(ImageError, match="outside 0…65535"):
        read_image(path, "nir")


def test_16bit_rgb_png_keeps_all_16_bits(tmp_path):
    # Pillow alone would drop the low byte (v >> 8), which is off by one for many values.
    values = np.stack([SIXTEEN, SIXTEEN[:, ::-1], np.full_like(SIXTEEN, 2000)], axis=-1)
    path = _png16(tmp_path / "a.png", values)
    out = read_image(path, "rgb")
    # 2000 → 8, where dropping the low byte would give 7.
    expected = np.stack([SIXTEEN_AS_8, SIXTEEN_AS_8[:, ::-1], np.full_like(SIXTEEN_AS_8, 8)], axis=-1)
    np.testing.assert_array_equal(out, expected)
    assert probe_image(path, "rgb").bits == 16


def test_16bit_rgb_png_with_equal_channels_reads_as_nir(tmp_path):
    path = _png16(tmp_path / "a.png", np.repeat(SIXTEEN[..., None], 3, axis=2))
    np.testing.assert_array_equal(read_image(path, "nir"), SIXTEEN_AS_8)


@pytest.mark.parametrize("byteorder", ["<", ">"])
@pytest.mark.parametrize("compression", [None, "zlib"])
def test_16bit_rgb_tiff_keeps_all_16_bits(tmp_path, byteorder, compression):
    tifffile = pytest.importorskip("tifffile")
    values = np.stack([SIXTEEN, SIXTEEN[:, ::-1], SIXTEEN], axis=-1)
    path = tmp_path / "a.tif"
    tifffile.imwrite(path, values, photometric="rgb", byteorder=byteorder, compression=compression)
    expected = np.stack([SIXTEEN_AS_8, SIXTEEN_AS_8[:, ::-1], SIXTEEN_AS_8], axis=-1)
    np.testing.assert_array_equal(read_image(path, "rgb"), expected)


def test_16bit_gray_read_as_rgb_is_rejected(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(SIXTEEN))
    with pytest.raises(ImageError, match="single-channel"):
        read_image(path, "rgb")


def test_gray_read_as_rgb_is_rejected(tmp_path):
    # A grayscale target would silently train the model to output gray.
    with pytest.raises(ImageError, match="single-channel"):
        read_image(_save(tmp_path / "a.png", Image.fromarray(GRAY)), "rgb")


def test_palette_image_is_converted(tmp_path):
    image = Image.fromarray(COLOUR).quantize(colors=16)
    path = _save(tmp_path / "a.png", image)
    assert Image.open(path).mode == "P"
    np.testing.assert_array_equal(read_image(path, "rgb"), np.asarray(image.convert("RGB")))


def test_gray_palette_image_reads_as_nir(tmp_path):
    gray_palette = Image.new("P", GRAY.shape[::-1])
    gray_palette.putpalette([v for i in range(256) for v in (i, i, i)])
    gray_palette.putdata(GRAY.ravel().tolist())
    path = _save(tmp_path / "a.png", gray_palette)
    assert Image.open(path).mode == "P"
    np.testing.assert_array_equal(read_image(path, "nir"), GRAY)


def test_bilevel_image_reads_as_nir(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(GRAY > 127))
    np.testing.assert_array_equal(read_image(path, "nir"), np.where(GRAY > 127, 255, 0))


# --- rejected files -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["nir", "rgb"])
@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_is_rejected(tmp_path, kind, mode):
    path = _save(tmp_path / "a.png", Image.new(mode, (4, 4)))
    with pytest.raises(ImageError, match="has an alpha channel"):
        read_image(path, kind)
    with pytest.raises(ImageError, match="has an alpha channel"):
        probe_image(path, kind)


def test_palette_transparency_is_rejected_as_alpha(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(COLOUR).quantize(colors=4), transparency=0)
    with pytest.raises(ImageError, match="has an alpha channel"):
        read_image(path, "rgb")


def test_cmyk_is_rejected_as_unsupported(tmp_path):
    path = _save(tmp_path / "a.jpg", Image.new("CMYK", (4, 4)))
    with pytest.raises(ImageError, match="unsupported image mode 'CMYK'"):
        read_image(path, "rgb")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "a.png"
    path.touch()
    with pytest.raises(ImageError) as excinfo:
        read_image(path, "nir")
    assert str(excinfo.value) == f"{path}: zero-byte file"


def test_not_an_image(tmp_path):
    path = tmp_path / "a.png"
    path.write_text("this is not a PNG")
    with pytest.raises(ImageError, match="not an image"):
        read_image(path, "rgb")


def test_truncated_png_fails_on_full_decode(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    probe_image(path, "rgb")  # the header is intact: only decoding finds the damage
    with pytest.raises(ImageError, match="truncated"):
        read_image(path, "rgb")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageError, match="does not exist"):
        read_image(tmp_path / "nope.png", "nir")
    with pytest.raises(ImageError, match="is a directory"):
        read_image(tmp_path, "nir")


def test_broken_symlink_and_loop(tmp_path):
    broken = tmp_path / "broken.png"
    broken.symlink_to(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="broken symlink"):
        read_image(broken, "nir")
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    with pytest.raises(ImageError, match="symlink loop"):
        read_image(tmp_path / "a.png", "nir")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_permission_denied_on_disk(tmp_path):
    path = _save(tmp_path / "a.png", Image.fromarray(GRAY))
    path.chmod(0)
    try:
        with pytest.raises(ImageError, match="permission denied"):
            read_image(path, "nir")
    finally:
        path.chmod(0o644)


def test_permission_denied_reads_clearly(tmp_path, monkeypatch):
    # Runs everywhere, including as root: the reason comes from the PermissionError itself.
    path = _save(tmp_path / "a.png", Image.fromarray(GRAY))

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(data_io.Image, "open", deny)
    with pytest.raises(ImageError) as excinfo:
        read_image(path, "nir")
    assert str(excinfo.value) == f"{path}: permission denied (cannot read the file)"


def test_too_large_by_our_limit(tmp_path, monkeypatch):
    path = _save(tmp_path / "a.png", Image.fromarray(GRAY))
    monkeypatch.setattr(data_io, "MAX_PIXELS", GRAY.size - 1)
    with pytest.raises(ImageError, match="too large"):
        read_image(path, "nir")


@pytest.mark.parametrize("pillow_limit", [GRAY.size // 3, GRAY.size - 1])  # error, then warning range
def test_decompression_bomb_reads_as_too_large(tmp_path, monkeypatch, pillow_limit):
    path = _save(tmp_path / "a.png", Image.fromarray(GRAY))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    with pytest.raises(ImageError, match="too large"):
        read_image(path, "nir")


def test_bad_kind(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        read_image(_save(tmp_path / "a.png", Image.fromarray(GRAY)), "ir")  # type: ignore[arg-type]


def test_image_error_is_a_value_error_naming_the_file(tmp_path):
    err = ImageError(tmp_path / "x.png", "some reason")
    assert isinstance(err, ValueError)
    assert str(err) == f"{tmp_path / 'x.png'}: some reason"
    assert err.path == tmp_path / "x.png" and err.reason == "some reason"


def test_image_extensions():
    assert IMAGE_EXTENSIONS == {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}


# --- write_png ----------------------------------------------------------------------------------


def _chunk_types(data: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        types.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return types


@pytest.mark.parametrize("array", [GRAY, COLOUR], ids=["gray", "rgb"])
def test_write_png_round_trips_deterministically(tmp_path, array):
    write_png(tmp_path / "a.png", array)
    write_png(tmp_path / "b.png", array)
    a, b = (tmp_path / "a.png").read_bytes(), (tmp_path / "b.png").read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()
    assert _chunk_types(a) == [b"IHDR", b"IDAT", b"IEND"]  # no time, text or physical-size chunks
    np.testing.assert_array_equal(read_image(tmp_path / "a.png", "nir" if array.ndim == 2 else "rgb"), array)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]  # no temporary left over


def test_write_png_replaces_atomically_and_cleans_up_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    write_png(path, GRAY)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        write_png(path, 255 - GRAY)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


@pytest.mark.parametrize(
    "array", [GRAY.astype(np.uint16), np.zeros((4, 4, 4), np.uint8), np.zeros(4, np.uint8)], ids=["dtype", "rgba", "1d"]
)
def test_write_png_rejects_what_it_cannot_write(tmp_path, array):
    with pytest.raises(ValueError):
        write_png(tmp_path / "a.png", array)
    assert not any(tmp_path.iterdir())
