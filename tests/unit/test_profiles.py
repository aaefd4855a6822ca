"""Every shipped profile applies cleanly to params.yaml: each key exists, validates and lands."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nircolor.config import ConfigError, apply_overrides, load_config, load_profile, parse_overrides

REPO = Path(__file__).resolve().parents[2]
PROFILES = sorted((REPO / "profiles").glob("*.yaml"))


def _lookup(cfg, dotted: str):
    node = cfg
    for part in dotted.split("."):  # config sections are models; `variants` and overrides are dicts
        node = node[part] if isinstance(node, dict) else getattr(node, part)
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


def _exec_calls(monkeypatch, workdir: Path = REPO, stray: dict | None = None) -> list[list[str]]:
    """Record what `pipeline.profile` would run instead of starting dvc. With `stray` (a dotted key →
    value), the fake run writes its -S values into workdir's params.yaml as `dvc exp run` does, plus
    that key, as a run that took over a parameter nobody set."""
    import pipeline.profile as profile_cli

    calls: list[list[str]] = []

    def fake_run(args):
        calls.append(list(args))
        if stray is not None:
            params = workdir / "params.yaml"
            sets = parse_overrides([args[i + 1] for i, flag in enumerate(args) if flag == "-S"])
            doc = apply_overrides(yaml.safe_load(params.read_text()), {**sets, **stray})
            params.write_text(yaml.safe_dump(doc, sort_keys=False))
        return 0

    monkeypatch.setattr(profile_cli, "run_child", fake_run)
    monkeypatch.chdir(workdir)
    return calls


def _workspace(tmp_path: Path) -> Path:
    """A scratch workspace with the project's params.yaml and the tiny profile."""
    (tmp_path / "profiles").mkdir()
    (tmp_path / "params.yaml").write_text((REPO / "params.yaml").read_text())
    (tmp_path / "profiles" / "tiny.yaml").write_text((REPO / "profiles" / "tiny.yaml").read_text())
    return tmp_path


def test_stray_params_names_only_what_nobody_set():
    from pipeline.profile import stray_params

    before = {"model": {"ngf": 64, "dropout": False}, "train": {"seed": 0}, "variants": {"b": {"overrides": {}}}}
    asked = {"model.ngf": 8, "train.seed": 1}
    clean = {"model": {"ngf": 8, "dropout": False}, "train": {"seed": 1}, "variants": {"b": {"overrides": {}}}}
    assert stray_params(before, asked, clean) == {}
    carried = {"model": {"ngf": 8, "dropout": True}, "train": {"seed": 1}, "variants": {"b": {"overrides": {}}}}
    assert stray_params(before, asked, carried) == {"model.dropout": (False, True)}
    assert stray_params(before, {}, clean) == {"model.ngf": (64, 8), "train.seed": (0, 1)}


def test_exec_fails_when_the_run_used_a_parameter_nobody_set(monkeypatch, tmp_path: Path):
    from pipeline.profile import main

    work = _workspace(tmp_path)
    calls = _exec_calls(monkeypatch, work, stray={"model.dropout": True})
    with pytest.raises(SystemExit) as done:
        main(["profiles/tiny.yaml", "--exec", "-n", "t1"])
    assert len(calls) == 1
    assert "model.dropout: expected False, the run used True" in str(done.value.code)


def test_exec_passes_a_run_that_used_what_it_was_given(monkeypatch, tmp_path: Path):
    from pipeline.profile import main

    work = _workspace(tmp_path)
    _exec_calls(monkeypatch, work, stray={"train.seed": 3})  # set on the command line below: not stray
    with pytest.raises(SystemExit) as done:
        main(["profiles/tiny.yaml", "--exec", "-n", "t1", "-S", "train.seed=3"])
    assert done.value.code == 0


def test_exec_does_not_check_a_queued_run(monkeypatch, tmp_path: Path):
    from pipeline.profile import main

    work = _workspace(tmp_path)
    _exec_calls(monkeypatch, work, stray={"model.dropout": True})  # a queued run leaves the workspace alone
    with pytest.raises(SystemExit) as done:
        main(["profiles/tiny.yaml", "--exec", "--queue", "-n", "t1"])
    assert done.value.code == 0


def test_exec_runs_dvc_exp_run_with_the_profile_then_the_rest(monkeypatch, capsys, tmp_path: Path):
    from pipeline.profile import main, set_args

    work = _workspace(tmp_path)
    calls = _exec_calls(monkeypatch, work, stray={})  # the run applies its -S values and nothing else
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


def test_a_key_a_variants_overrides_undo_is_warned_about_in_both_modes(monkeypatch, capsys, tmp_path: Path):
    """dense_plus sets its own λ values in params.yaml: `-S loss.lambda_angle=0` never reaches it."""
    from pipeline.profile import main

    work = _workspace(tmp_path)
    (work / "profiles" / "off.yaml").write_text("loss.lambda_angle: 0\nmodel.ngf: 8\n")
    calls = _exec_calls(monkeypatch, work)
    main(["profiles/off.yaml"])
    err = capsys.readouterr().err
    assert "warning: loss.lambda_angle=0 does not reach variant 'dense_plus'" in err
    assert "model.ngf" not in err
    with pytest.raises(SystemExit):
        main(["profiles/tiny.yaml", "--exec", "-n", "t", "-S", "loss.lambda_edge=1", "evaluate@dense_plus"])
    assert "warning: loss.lambda_edge=1 does not reach variant 'dense_plus'" in capsys.readouterr().err
    assert len(calls) == 1  # a warning, not a refusal: the run still starts
    main(["profiles/tiny.yaml"])
    assert "warning" not in capsys.readouterr().err


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


def test_exec_refuses_to_start_over_a_killed_runs_parameters(monkeypatch, tmp_path: Path):
    """A killed `dvc exp run` leaves its -S values in params.yaml and staged in git's index, where
    `git checkout params.yaml` restores them from: the next run must not start on top of them."""
    import subprocess

    from pipeline.profile import main

    work = _workspace(tmp_path)
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-C", str(work)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "params.yaml", "profiles"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    doc = yaml.safe_load((work / "params.yaml").read_text())
    doc["model"]["dropout"] = True  # what the killed run was given, and this run does not set
    doc["model"]["ngf"] = 99  # a key this run sets: not in the way
    (work / "params.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    subprocess.run([*git, "add", "params.yaml"], check=True)
    subprocess.run([*git, "checkout", "-q", "params.yaml"], check=True)  # restores from the index: no help
    calls = _exec_calls(monkeypatch, work, stray={})
    with pytest.raises(SystemExit) as done:
        main(["profiles/tiny.yaml", "--exec", "-n", "t1"])
    message = str(done.value.code)
    assert "model.dropout: committed False, here True" in message and "model.ngf" not in message
    assert calls == []  # nothing started

    subprocess.run([*git, "checkout", "-q", "HEAD", "--", "params.yaml"], check=True)  # the fix it names
    with pytest.raises(SystemExit) as done:
        main(["profiles/tiny.yaml", "--exec", "-n", "t1"])
    assert done.value.code == 0 and len(calls) == 1


def test_run_child_returns_the_childs_exit_code():
    import sys

    from pipeline.profile import run_child

    assert run_child([sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert run_child([sys.executable, "-c", "pass"]) == 0
