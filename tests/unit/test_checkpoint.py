"""Checkpoints: pickle-free loads, foreign and truncated files refused, temporaries of killed writes removed."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import pytest
import torch

from nircolor.training.checkpoint import (
    CheckpointError,
    load_checkpoint,
    remove_partial_writes,
    save_checkpoint,
)

MINIMAL = {"variant": "dense", "phase": "phase1", "epoch": 1, "complete": True, "config": {},
           "models": {k: {} for k in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir")}}  # fmt: skip


class _Exploit:
    """Unpickling this calls os.mkdir(marker): code run by merely loading the file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.mkdir, (self.marker,))


def test_malicious_pickle_is_refused(tmp_path):
    evil, marker = tmp_path / "evil.pt", tmp_path / "pwned"
    with open(evil, "wb") as fh:
        pickle.dump({"format": "nircolor-checkpoint", "payload": _Exploit(marker)}, fh, protocol=2)
    with pytest.raises(CheckpointError, match="not a loadable nircolor checkpoint"):
        load_checkpoint(evil)
    assert not marker.exists(), "the pickle's code ran"
    pickle.loads(evil.read_bytes())  # the same file through plain pickle does run it
    assert marker.is_dir()


def test_foreign_and_truncated_checkpoints_are_refused(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(CheckpointError, match="not a nircolor checkpoint"):
        load_checkpoint(other)
    good = save_checkpoint(
        {"variant": "dense", "phase": "phase1", "epoch": 1, "complete": True, "config": {},
         "models": {k: {} for k in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir")}},
        tmp_path / "good.pt",
    )  # fmt: skip
    assert load_checkpoint(good)["epoch"] == 1
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good.read_bytes()[:100])
    with pytest.raises(CheckpointError):
        load_checkpoint(cut)
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")


KILLED_SAVE = """
import os, sys
from nircolor.training import checkpoint
checkpoint.os.replace = lambda src, dst: os._exit(9)  # killed between the write and the rename
checkpoint.save_checkpoint({state!r}, sys.argv[1])
"""


def kill_during_save(path) -> list:
    """Run save_checkpoint(path) in a process that dies before its rename; the temporaries it left."""
    code = textwrap.dedent(KILLED_SAVE).replace("{state!r}", repr(MINIMAL))
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 9, res.stderr[-2000:]
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def test_a_killed_save_leaves_a_temporary_that_remove_partial_writes_clears(tmp_path):
    path = tmp_path / "p1.pt"
    save_checkpoint(MINIMAL, path)
    before = path.read_bytes()
    left = kill_during_save(path)
    assert len(left) == 1 and path.read_bytes() == before  # the old checkpoint is intact
    # temporaries of other files stay: another checkpoint's, and one whose name only starts alike
    others = [tmp_path / ".p2.pt.abc123.tmp", tmp_path / ".p1.pt.bak.abc123.tmp", tmp_path / "p1.pt.tmp"]
    for other in others:
        other.write_bytes(b"x")
    assert remove_partial_writes(path) == left
    assert not left[0].exists() and all(o.exists() for o in others)
    assert load_checkpoint(path)["epoch"] == 1
    assert remove_partial_writes(tmp_path / "missing" / "p1.pt") == []  # no folder: nothing to do


def test_the_next_phase_start_removes_temporaries_of_a_killed_save(tiny_pack, tmp_path, tiny_overrides):
    from nircolor.config import load_config
    from nircolor.training.phase import resume_path, run_phase, snapshot_path

    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "schedule.phase1": 2})
    out = tmp_path / "p1.pt"

    def die_at_one(epoch, record):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        run_phase("phase1", variant="dense", cfg=cfg, data=train, out=out, on_epoch_end=die_at_one, progress=False)
    resume = resume_path(out)
    saved = resume.read_bytes()
    # kills during the resume file's, the final checkpoint's and a snapshot's writes
    left = [*kill_during_save(resume), *kill_during_save(out), *kill_during_save(snapshot_path(out, 2))]
    assert len(left) == 3 and resume.read_bytes() == saved and not out.exists()
    other = tmp_path / ".p2.pt.abc123.tmp"  # another phase's: not this start's to remove
    other.write_bytes(b"x")
    res = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=out, progress=False)
    assert res.resumed_from_epoch == 1  # the intact resume file was continued
    assert not any(p.exists() for p in left) and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".p2.pt.abc123.tmp", "p1.pt"]
