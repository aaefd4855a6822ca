"""Serving a generator over HTTP, minus the server: request limits, request decoding (bytes in, arrays out), PNG replies.

Plain code with no MLflow in it: the served model (flows.registry.model) calls these, and so can
any other server. A request is a list of rows, each the base64 text of an image file; a row is
checked from its header before any pixel is decoded, by the same rules as a file on disk
(nircolor.data.io: 8- or 16-bit grayscale, or RGB with three equal channels; no alpha).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nircolor.data.io import ImageError, probe_image, read_image
from nircolor.fsutil import sha256_file

# Request limits, checked from the image headers before any pixel is decoded. The generator
# computes on each image padded up to multiples of its `size_multiple` (256 for the paper's
# UNet256), so the padded area is what counts: the dense ngf-64 generator took 4.3 GB (peak RSS)
# and 12 s on 2 CPU threads for 1024×1024, and memory grows with the area (4096×4096
# extrapolates to ~60 GB).
# One request therefore never costs more than one 1024×1024 image, whatever its row count.
MAX_ROWS = 16
MAX_PIXELS = 1024 * 1024
# Base64 payload per row: 8 bytes a pixel covers an uncompressed 48-bit TIFF plus headers.
MAX_BYTES_PER_PIXEL = 8
MAX_ROWS_ENV = "NIRCOLOR_SERVE_MAX_ROWS"
MAX_PIXELS_ENV = "NIRCOLOR_SERVE_MAX_PIXELS"
TORCH_THREADS_ENV = "NIRCOLOR_TORCH_THREADS"
# The served model's artifact layout: its checkpoint artifact, and the model-config key of the
# sha256 recorded at registration.
CHECKPOINT_ARTIFACT = "checkpoint"
SHA_KEY = "checkpoint_sha256"


@dataclass(frozen=True)
class ServingLimits:
    """What one request may ask of a served model (defaults above; environment overrides)."""

    max_rows: int = MAX_ROWS
    max_pixels: int = MAX_PIXELS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServingLimits:
        """Limits from NIRCOLOR_SERVE_MAX_ROWS / NIRCOLOR_SERVE_MAX_PIXELS; ValueError naming a bad one."""
        env = os.environ if env is None else env
        return cls(
            max_rows=positive_int_env(env, MAX_ROWS_ENV, MAX_ROWS),
            max_pixels=positive_int_env(env, MAX_PIXELS_ENV, MAX_PIXELS),
        )


def positive_int_env(env: Mapping[str, str], key: str, default: int) -> int:
    """`env[key]` as a positive int (`default` when unset or blank); ValueError naming the key."""
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{key}={raw!r}: expected a positive integer")
    return value


def torch_threads_from_env(env: Mapping[str, str] | None = None) -> int | None:
    """NIRCOLOR_TORCH_THREADS (None when unset): torch's threads in one server worker."""
    env = os.environ if env is None else env
    return positive_int_env(env, TORCH_THREADS_ENV, 1) if env.get(TORCH_THREADS_ENV, "").strip() else None


def apply_torch_threads(env: Mapping[str, str] | None = None) -> int | None:
    """Give torch NIRCOLOR_TORCH_THREADS threads when set (a server worker's share of the cores)."""
    threads = torch_threads_from_env(env)
    if threads:
        import torch

        torch.set_num_threads(threads)
    return threads


class ChecksumMismatch(ValueError):
    """A checkpoint whose sha256 is not the one recorded when it was registered (or none was)."""


def verify_checksum(path: str | os.PathLike[str], expected: str | None, what: str) -> str:
    """The file's sha256 when it equals `expected`; ChecksumMismatch naming `what` otherwise."""
    if not expected:
        raise ChecksumMismatch(f"{what}: no checkpoint sha256 was recorded; refusing to load an unverified checkpoint")
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumMismatch(
            f"{what}: checkpoint sha256 {actual} does not match the recorded {expected}; "
            "the artifact was modified after registration, refusing to load it"
        )
    return actual


def decode_nir_bytes(data: bytes, *, name: str = "image") -> np.ndarray:
    """Image file bytes → uint8 NIR (H, W), by nircolor's file rules (16-bit scaled, equal-RGB accepted).

    Raises ValueError naming `name` and the reason.
    """
    if not data:
        raise ValueError(f"{name}: empty image data")
    try:
        return read_image(data, "nir", name=name)
    except ImageError as err:
        raise ValueError(f"{name}: {err.reason}") from None


def b64_bytes(value: Any, name: str, max_bytes: int | None = None) -> bytes:
    """A row's base64 text (a `data:…;base64,` prefix and line breaks allowed) → bytes; ValueError naming `name`."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("ascii", errors="replace")
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a base64 string, got {type(value).__name__}")
    text = value.strip()
    if text.startswith("data:") and "," in text:  # data:image/png;base64,....
        text = text.split(",", 1)[1]
    if max_bytes is not None and len(text) > 4 * (max_bytes // 3 + 1) + len(text) // 64 + 4:
        # before decoding: 4 characters per 3 bytes, plus line breaks every 64+ characters
        raise ValueError(f"{name}: {len(text):,} base64 characters is over the limit of {max_bytes:,} image bytes")
    text = "".join(text.split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"{name}: not valid base64 ({err})") from None


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def decode_request(values: Sequence[Any], multiple: int, limits: ServingLimits | None = None) -> list[np.ndarray]:
    """The `image` column of a request → uint8 NIR arrays, or ValueError naming the row and the rule.

    Cheap checks first, and no pixel decoded until every row has passed them: the row count, each
    row's base64 and byte size, its header (a readable image, no alpha, grayscale or equal-channel
    RGB), and the request's area with each image padded up to `multiple` (the generator's
    `size_multiple`) against `limits.max_pixels`.
    """
    limits = limits or ServingLimits()
    if len(values) == 0:
        raise ValueError("the request has no rows; send one row per image in column 'image'")
    if len(values) > limits.max_rows:
        raise ValueError(f"the request has {len(values)} rows; at most {limits.max_rows} images per request")
    limit = f"the limit is {limits.max_pixels:,} pixels per request, each image counted padded to multiples of {multiple}"
    max_bytes = MAX_BYTES_PER_PIXEL * limits.max_pixels
    payloads, total = [], 0
    for row, value in enumerate(values):
        name = f"row {row}"
        data = b64_bytes(value, name, max_bytes)
        if not data:
            raise ValueError(f"{name}: empty image data")
        if len(data) > max_bytes:
            raise ValueError(f"{name}: {len(data):,} bytes is over the limit of {max_bytes:,}")
        try:
            info = probe_image(data, "nir", name=name)  # header only
        except ImageError as err:
            if err.reason.startswith("too large"):  # over nircolor's file limit, far above ours
                raise ValueError(f"{name}: image too large: {err.reason}; {limit}") from None
            raise ValueError(f"{name}: {err.reason}") from None
        h, w = info.size
        area = _round_up(h, multiple) * _round_up(w, multiple)
        total += area
        if area > limits.max_pixels:
            raise ValueError(
                f"{name}: image too large: {h}×{w} is computed as "
                f"{_round_up(h, multiple)}×{_round_up(w, multiple)} = {area:,} pixels; {limit}"
            )
        if total > limits.max_pixels:
            raise ValueError(f"{name}: request too large: rows 0–{row} come to {total:,} pixels; {limit}")
        payloads.append(data)
    return [decode_nir_bytes(data, name=f"row {row}") for row, data in enumerate(payloads)]


def encode_png_b64(rgb: np.ndarray) -> str:
    """An RGB uint8 array → the base64 text of its PNG."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def response_table(rgbs: Sequence[np.ndarray]) -> Any:
    """The reply to a request: a DataFrame with `image` (base64 PNG), `height`, `width`, one row per image."""
    import pandas as pd

    return pd.DataFrame(
        {
            "image": [encode_png_b64(rgb) for rgb in rgbs],
            "height": [int(r.shape[0]) for r in rgbs],
            "width": [int(r.shape[1]) for r in rgbs],
        }
    )


def image_column(model_input: Any) -> list[Any]:
    """The `image` column of a request table (a DataFrame or a mapping of columns); ValueError otherwise."""
    import pandas as pd

    if isinstance(model_input, Mapping):
        try:
            model_input = pd.DataFrame(dict(model_input))
        except ValueError as err:
            raise ValueError(f"expected a table with a column 'image' of base64-encoded image bytes ({err})") from None
    if not isinstance(model_input, pd.DataFrame) or "image" not in model_input.columns:
        got = list(model_input.columns) if isinstance(model_input, pd.DataFrame) else type(model_input).__name__
        raise ValueError(f"expected a table with a column 'image' of base64-encoded image bytes, got {got}")
    return model_input["image"].tolist()


def example_request_png() -> str:
    """A 4×4 gray PNG as base64: the request format's example saved beside a model."""
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(np.full((4, 4), 128, np.uint8)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


__all__ = [
    "CHECKPOINT_ARTIFACT", "MAX_BYTES_PER_PIXEL", "MAX_PIXELS", "MAX_PIXELS_ENV", "MAX_ROWS", "MAX_ROWS_ENV", "SHA_KEY", "TORCH_THREADS_ENV",
    "ChecksumMismatch", "ServingLimits", "apply_torch_threads", "b64_bytes", "decode_nir_bytes", "decode_request", "encode_png_b64",
    "example_request_png", "image_column", "positive_int_env", "response_table", "torch_threads_from_env", "verify_checksum",
]
