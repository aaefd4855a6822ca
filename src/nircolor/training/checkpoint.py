"""Self-describing checkpoints: atomic writes, pickle-free loads, a format version and a schema check."""

from __future__ import annotations

import fnmatch
import glob
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "nircolor-checkpoint"
FORMAT_VERSION = 1
REQUIRED_KEYS = ("format", "version", "variant", "phase", "epoch", "complete", "config", "models")
MODEL_KEYS = ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir")
_TMP_SUFFIX = ".tmp"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: unreadable, not ours, or not what the caller expects."""


def _temporary_prefix(name: str) -> str:
    return f".{name}."


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write atomically: a reader never sees a half-written file, even after kill -9.

    The state goes to a temporary `.<name>.<random>.tmp` beside `path`, then replaces it. A kill
    between the two leaves that temporary behind: `remove_partial_writes(path)` clears it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": FORMAT, "version": FORMAT_VERSION, **state}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path.name), suffix=_TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_partial_writes(path: str | Path, *, pattern: bool = False) -> list[Path]:
    """Delete the temporaries that saves of `path` cut short by a kill left beside it; return them.

    `pattern=True`: `path.name` is a glob pattern (escape literal parts with `glob.escape`) and
    the temporaries of every checkpoint it matches go. Call only where no save of those paths
    can be running (a phase's start): a save in progress has its temporary there too.
    """
    path = Path(path)
    name = path.name if pattern else glob.escape(path.name)
    if not path.parent.is_dir():
        return []
    removed = []
    for tmp in sorted(path.parent.glob(_temporary_prefix(name) + "*" + _TMP_SUFFIX)):
        # `.<name>.<random>.tmp`, mkstemp's random part has no dot: `.a.pt.bak.x1.tmp` is a.pt.bak's
        head, _, random_part = tmp.name.removesuffix(_TMP_SUFFIX).rpartition(".")
        if random_part and fnmatch.fnmatchcase(head.removeprefix("."), name):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _reason(err: Exception) -> str:
    """The informative line of torch's long weights-only refusal (which global was refused)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    for ln in lines:
        if "Unsupported global" in ln or "WeightsUnpickler error" in ln:
            return ln.split("error: ", 1)[-1]
    return lines[0] if lines else type(err).__name__


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load with `weights_only=True`: a checkpoint is data, so a pickle carrying code is refused."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise CheckpointError(f"{path}: not a loadable nircolor checkpoint ({_reason(err)})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a nircolor checkpoint (no '{FORMAT}' marker)")
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}")
    if state["version"] > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format v{state['version']} is newer than this nircolor (v{FORMAT_VERSION})"
        )
    absent = [k for k in MODEL_KEYS if k not in state["models"]]
    if absent:
        raise CheckpointError(f"{path}: checkpoint lacks model states {', '.join(absent)}")
    return state
