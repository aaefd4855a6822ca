"""Every shipped profile applies cleanly to params.yaml: each key exists, validates and lands."""

from __future__ import annotations

from pathlib import Path

import pytest

from nircolor.config import ConfigError, load_config, load_profile

REPO = Path(__file__).resolve().parents[2]
PROFILES = sorted((REPO / "profiles").glob("*.yaml"))


def _lookup(cfg, dotted: str):
    node = cfg
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


def test_profiles_are_shipped():
    names = {p.stem for p in PROFILES}
    assert {"tiny", "demo", "real-cpu-v3", "real-cpu-v4"} <= names


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_profile_validates_and_every_key_lands(profile: Path):
    overrides = load_profile(profile)
    assert overrides, f"{profile.name} sets nothing"
    cfg = load_config(REPO / "params.yaml", overrides)
    for key, value in overrides.items():
        got = _lookup(cfg, key)
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    for variant in cfg.variants:  # each variant's overrides still validate on top of the profile
        cfg.for_variant(variant)


def test_a_misspelt_profile_key_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train.num_thread: 2\n")
    with pytest.raises(ConfigError, match="num_thread"):
        load_config(REPO / "params.yaml", load_profile(bad))
