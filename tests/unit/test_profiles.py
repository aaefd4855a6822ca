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


def _exec_calls(monkeypatch) -> list[list[str]]:
    """Record what `pipeline.profile` would exec instead of replacing the test process."""
    import pipeline.profile as profile_cli

    calls: list[list[str]] = []

    def fake_execvp(file, args):
        calls.append(list(args))
        raise SystemExit(0)

    monkeypatch.setattr(profile_cli.os, "execvp", fake_execvp)
    monkeypatch.chdir(REPO)
    return calls


def test_exec_runs_dvc_exp_run_with_the_profile_then_the_rest(monkeypatch, capsys):
    from pipeline.profile import main, set_args

    calls = _exec_calls(monkeypatch)
    with pytest.raises(SystemExit) as done:
        main(["profiles/tiny.yaml", "--exec", "-n", "t1", "evaluate@dense_plus"])
    assert done.value.code == 0
    expected = set_args(REPO / "profiles" / "tiny.yaml", REPO / "params.yaml")
    assert calls == [["dvc", "exp", "run", *expected, "-n", "t1", "evaluate@dense_plus"]]
    assert "dvc exp run -S" in capsys.readouterr().err  # the command is echoed before it runs


def test_print_mode_is_the_s_arguments_alone(monkeypatch, capsys):
    from pipeline.profile import main, set_args

    calls = _exec_calls(monkeypatch)
    main(["profiles/demo.yaml"])
    assert calls == []
    printed = capsys.readouterr().out.split()
    assert printed == set_args(REPO / "profiles" / "demo.yaml", REPO / "params.yaml")


@pytest.mark.parametrize("content", [None, "train.num_thread: 2\n"], ids=["missing", "misspelt key"])
def test_exec_runs_nothing_for_a_bad_profile(monkeypatch, capsys, tmp_path: Path, content):
    from pipeline.profile import main

    calls = _exec_calls(monkeypatch)
    bad = tmp_path / "bad.yaml"
    if content is not None:
        bad.write_text(content)
    with pytest.raises(SystemExit) as done:
        main([str(bad), "--exec", "-n", "x"])
    assert done.value.code not in (0, None)
    assert "bad.yaml" in str(done.value.code) or "num_thread" in str(done.value.code)
    assert calls == []  # dvc was never started: no silent fallback to the paper's full recipe
