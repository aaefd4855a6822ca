"""Property-based: any params file either validates or fails with ConfigError naming the bad key — never a crash."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nircolor.config import Config, ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]
PAPER = yaml.safe_load((REPO / "params.yaml").read_text())


def _leaves(tree: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in tree.items():
        name = f"{prefix}{k}"
        out += _leaves(v, f"{name}.") if isinstance(v, dict) and v else [name]
    return out


LEAVES = [k for k in _leaves(PAPER) if not k.startswith("variants.")]
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)  # fmt: skip
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def _set(tree: dict, dotted: str, value) -> None:
    *parents, leaf = dotted.split(".")
    for p in parents:
        tree = tree[p]
    tree[leaf] = value


@SETTINGS
@given(key=st.sampled_from(LEAVES), value=JUNK)
def test_any_value_at_any_key_validates_or_names_that_key(tmp_path_factory, key, value):
    tree = yaml.safe_load((REPO / "params.yaml").read_text())
    _set(tree, key, value)
    path = tmp_path_factory.mktemp("p") / "params.yaml"
    path.write_text(yaml.safe_dump(tree))
    try:
        cfg = load_config(path)
    except ConfigError as err:
        assert key in str(err), f"{key}={value!r}: error does not name it:\n{err}"
    else:
        assert isinstance(cfg, Config)  # accepted values yield a whole, typed recipe


@SETTINGS
@given(section=st.sampled_from(sorted(PAPER)), name=st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_an_unknown_key_is_an_error_naming_it(tmp_path_factory, section, name):
    tree = yaml.safe_load((REPO / "params.yaml").read_text())
    if not isinstance(tree[section], dict) or name in tree[section] or section == "variants":
        return
    tree[section][name] = 1
    path = tmp_path_factory.mktemp("p") / "params.yaml"
    path.write_text(yaml.safe_dump(tree))
    try:
        load_config(path)
    except ConfigError as err:
        assert f"{section}.{name}" in str(err)
    else:
        raise AssertionError(f"unknown key {section}.{name} was accepted")
