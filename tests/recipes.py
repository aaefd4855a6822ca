"""The tiny recipe every test trains with: profiles/tiny.yaml, the same overrides CI's `dvc repro` uses."""

from __future__ import annotations

from pathlib import Path

from nircolor.config import load_profile

TINY_PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "tiny.yaml"
TINY_OVERRIDES: dict = load_profile(TINY_PROFILE)


def train_tiny(dataset: Path, out: Path, *sets: str, variant: str = "baseline") -> Path:
    """`nircolor train` of one variant on the tiny recipe into `out`, with `--set` for each of `sets`; returns `out`."""
    from nircolor.cli import main

    args = ["train", "--data", str(dataset), "--out", str(out), "--quiet", "--profile", str(TINY_PROFILE),
            "--variant", variant]  # fmt: skip
    for item in sets:
        args += ["--set", item]
    assert main(args) == 0
    return out
