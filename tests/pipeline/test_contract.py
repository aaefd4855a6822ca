"""The DVC contract: every stage's module, dependency and param exists; no stage writes under data/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from nircolor.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stages():
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        return {s.addressing: s for s in repo.index.stages if s.cmd}


def _flat_keys(tree: dict, prefix: str = "") -> set[str]:
    keys = set()
    for k, v in tree.items():
        name = f"{prefix}{k}"
        keys.add(name)
        if isinstance(v, dict):
            keys |= _flat_keys(v, f"{name}.")
    return keys


def test_every_stage_is_there_for_every_variant(stages):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    expected = {"ingest", "augment", "compare"}
    for v in params["variants"]:
        expected |= {f"phase1@{v}", f"phase2@{v}", f"phase3@{v}", f"evaluate@{v}"}
    assert set(stages) == expected


def test_every_command_module_exists(stages):
    for name, stage in stages.items():
        m = re.fullmatch(r"python -m (pipeline\.\w+)(?: .*)?", stage.cmd)
        assert m, f"{name}: command {stage.cmd!r} is not `python -m pipeline.<stage>`"
        assert (REPO / (m.group(1).replace(".", "/") + ".py")).is_file(), f"{name}: {m.group(1)} missing"


def test_every_listed_param_exists(stages):
    keys = _flat_keys(yaml.safe_load((REPO / "params.yaml").read_text()))
    for name, stage in stages.items():
        for dep in stage.params:
            for key in dep.params:
                assert key in keys, f"{name} lists param {key!r}, which params.yaml lacks"


def test_code_deps_exist_and_no_output_under_data(stages):
    data = (REPO / "data").resolve()
    for name, stage in stages.items():
        for dep in stage.deps:
            path = Path(dep.fs_path)
            if not str(path).startswith(str(REPO / "artifacts")) and path != data:
                assert path.exists(), f"{name}: dependency {path} does not exist"
        for out in stage.outs:
            path = Path(out.fs_path).resolve()
            assert data not in path.parents and path != data, f"{name} writes under data/: {path}"


def test_params_file_is_the_papers_recipe():
    cfg = load_config(REPO / "params.yaml")
    assert cfg.loss == Config().loss and cfg.schedule == Config().schedule
    assert cfg.model == Config().model and cfg.optim == Config().optim
    assert (cfg.loss.lambda_cycle, cfg.loss.lambda_pair) == (100.0, 60.0)


@pytest.mark.parametrize("profile", sorted((REPO / "profiles").glob("*.yaml")), ids=lambda p: p.stem)
def test_profiles_validate_against_the_schema(profile):
    from pipeline.profile import set_args

    args = set_args(profile, REPO / "params.yaml")
    assert args[0] == "-S" and len(args) % 2 == 0


def test_only_flows_import_orchestration():
    offenders = []
    for path in (REPO / "pipeline").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"prefect", "mlflow"}]
    assert not offenders, offenders
