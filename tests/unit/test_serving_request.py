"""nircolor.serving and the bytes path of nircolor.data.io: a request payload passes the same checks as a file."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from nircolor.data.io import ImageError, probe_image, read_image
from nircolor.fsutil import atomic_write_bytes, atomic_write_text, sha256_file
from nircolor.serving import (
    ChecksumMismatch,
    ServingLimits,
    decode_nir_bytes,
    decode_request,
    response_table,
    verify_checksum,
)


def encoded(array: np.ndarray, fmt: str = "PNG", mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format=fmt)
    return buf.getvalue()


GRAY = np.arange(12 * 10, dtype=np.uint8).reshape(12, 10)
BAD_PAYLOADS = {
    "not an image": b"certainly not an image",
    "truncated PNG": encoded(GRAY)[:20],
    "alpha": encoded(np.zeros((4, 4, 4), np.uint8)),
    "colour": encoded(np.stack([GRAY, GRAY // 2, GRAY], axis=-1)),
}


@pytest.mark.parametrize("array", [GRAY, np.stack([GRAY] * 3, axis=-1), (GRAY.astype(np.uint16) * 257)])
def test_bytes_decode_like_the_same_file(array, tmp_path):
    data = encoded(array)
    path = tmp_path / "x.png"
    path.write_bytes(data)
    from_bytes = read_image(data, "nir")
    assert np.array_equal(from_bytes, read_image(path, "nir"))
    assert np.array_equal(from_bytes, GRAY)
    assert probe_image(data, "nir").size == probe_image(path, "nir").size == (12, 10)


@pytest.mark.parametrize("what", sorted(BAD_PAYLOADS))
def test_a_bad_payload_gives_the_same_named_error_as_a_bad_file(what, tmp_path):
    data = BAD_PAYLOADS[what]
    path = tmp_path / "bad.png"
    path.write_bytes(data)
    with pytest.raises(ImageError) as from_file:
        read_image(path, "nir")
    with pytest.raises(ImageError) as from_bytes:
        read_image(data, "nir", name="row 3")
    assert from_bytes.value.reason == from_file.value.reason
    assert str(from_bytes.value).startswith("row 3: ")
    with pytest.raises(ValueError, match=r"^row 3: "):
        decode_nir_bytes(data, name="row 3")


def test_empty_bytes_are_refused_by_name():
    with pytest.raises(ImageError, match="^<image bytes>: zero bytes"):
        read_image(b"", "nir")
    with pytest.raises(ValueError, match="^r: empty image data"):
        decode_nir_bytes(b"", name="r")


def test_decode_request_rows_rules_and_limits():
    png = base64.b64encode(encoded(GRAY)).decode()
    (nir,) = decode_request(["data:image/png;base64," + png[:30] + "\n" + png[30:]], multiple=4)
    assert np.array_equal(nir, GRAY)
    with pytest.raises(ValueError, match="row 1: not valid base64"):
        decode_request([png, "%%%"], multiple=4)
    with pytest.raises(ValueError, match="row 0: has an alpha channel"):
        decode_request([base64.b64encode(BAD_PAYLOADS["alpha"]).decode()], multiple=4)
    with pytest.raises(ValueError, match="3 rows; at most 2"):
        decode_request([png] * 3, multiple=4, limits=ServingLimits(max_rows=2))
    # 12×10 padded to multiples of 8 is 16×16 = 256 pixels: two rows are 512
    with pytest.raises(ValueError, match="row 1: request too large: rows 0–1 come to 512 pixels"):
        decode_request([png, png], multiple=8, limits=ServingLimits(max_pixels=300))
    with pytest.raises(ValueError, match="no rows"):
        decode_request([], multiple=4)


def test_limits_from_the_environment():
    assert ServingLimits.from_env({}) == ServingLimits()
    assert ServingLimits.from_env({"NIRCOLOR_SERVE_MAX_ROWS": "3"}).max_rows == 3
    with pytest.raises(ValueError, match="NIRCOLOR_SERVE_MAX_PIXELS='-1'"):
        ServingLimits.from_env({"NIRCOLOR_SERVE_MAX_PIXELS": "-1"})


def test_response_table_round_trips_the_png():
    rgb = np.stack([GRAY, GRAY, GRAY // 3], axis=-1)
    table = response_table([rgb])
    assert list(table.columns) == ["image", "height", "width"]
    back = np.array(Image.open(io.BytesIO(base64.b64decode(table["image"][0]))))
    assert np.array_equal(back, rgb) and (table["height"][0], table["width"][0]) == (12, 10)


def test_checksum_verification(tmp_path):
    path = atomic_write_bytes(tmp_path / "ck.pt", b"weights")
    assert verify_checksum(path, sha256_file(path), "ck") == sha256_file(path)
    with pytest.raises(ChecksumMismatch, match="ck: checkpoint sha256 .* does not match"):
        verify_checksum(path, "0" * 64, "ck")
    with pytest.raises(ChecksumMismatch, match="no checkpoint sha256 was recorded"):
        verify_checksum(path, None, "ck")


def test_atomic_writes_leave_the_old_file_on_failure(tmp_path):
    from nircolor.fsutil import atomic_writer

    target = atomic_write_text(tmp_path / "sub" / "m.json", "old\n")
    with pytest.raises(RuntimeError), atomic_writer(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.json"]  # no temporary file left
    atomic_write_text(target, "new\n", fsync=True)
    assert target.read_text() == "new\n"
