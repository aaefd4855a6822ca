"""The tiny recipe every test trains with: profiles/tiny.yaml, the same overrides CI's `dvc repro` uses."""

from __future__ import annotations

from pathlib import Path

from nircolor.config import load_profile

TINY_PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "tiny.yaml"
TINY_OVERRIDES: dict = load_profile(TINY_PROFILE)
