"""A phase run uninterrupted and the same run killed mid-way then resumed (resume tests share it)."""

from __future__ import annotations

import pytest

from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.phase import resume_path, run_phase


def full_and_resumed(tmp_path, kill_at: int, **kw):
    """Phase 1 run to its end (`full.pt`), and again (`cut.pt`) killed after global epoch
    `kill_at` and started once more. Returns (full result, resumed result, the epoch the resume
    file held at the kill, the epochs the resumed run trained)."""
    full = run_phase("phase1", out=tmp_path / "full.pt", **kw)

    def die(epoch, record):
        if epoch == kill_at:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        run_phase("phase1", out=tmp_path / "cut.pt", on_epoch_end=die, **kw)
    saved = load_checkpoint(resume_path(tmp_path / "cut.pt"))["epoch"]
    seen: list[int] = []
    resumed = run_phase("phase1", out=tmp_path / "cut.pt", on_epoch_end=lambda e, r: seen.append(e), **kw)
    return full, resumed, saved, seen
