"""Files written whole or not at all (a temporary file in the same folder, then a rename), and file digests."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "wb", *, fsync: bool = False) -> Iterator[IO[Any]]:
    """An open file whose contents replace `path` when the block ends without an error.

    The temporary file sits beside `path` (same file system, so the rename is atomic) under a
    hidden name without the target's extension: a crash leaves nothing a scan for images or
    metrics mistakes for output. It gets the usual umask permissions (not mkstemp's 0600), and
    is removed when the block raises. `fsync=True` flushes it to disk before the rename.
    A reader therefore finds the old file, no file, or the complete new one, never a part.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer writes whole files: mode 'wb' or 'w', not {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        text = {"encoding": "utf-8", "newline": "\n"} if mode == "w" else {}
        with os.fdopen(fd, mode, **text) as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, fsync: bool = False) -> Path:
    """Write `data` to `path` atomically (see `atomic_writer`); returns the path."""
    with atomic_writer(path, "wb", fsync=fsync) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, fsync: bool = False) -> Path:
    """Write UTF-8 `text` (newlines as written) to `path` atomically; returns the path."""
    with atomic_writer(path, "w", fsync=fsync) as fh:
        fh.write(text)
    return Path(path)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
