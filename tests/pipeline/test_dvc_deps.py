"""A DVC graph that cannot lie: every project source file a stage's entry point can load is a dep of that stage.

For each stage in dvc.yaml, the entry module of its command (`python -m pipeline.<x>`) is walked
through its imports, transitively, over the project's own modules (src/nircolor, flows, pipeline):
module-level imports and imports inside functions alike (the stage modules import their flows
lazily), but not imports under `if TYPE_CHECKING:`, which never run. Importing `a.b.c` loads the
packages `a` and `a.b` too. Every file found must be covered by a dep of the stage: the file itself
or a folder above it. A file missing from the deps means DVC would not rerun the stage when that
code changes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# top-level package → the folder that holds it
ROOTS = {"nircolor": REPO / "src", "flows": REPO, "pipeline": REPO}
ENTRY = re.compile(r"python -m ([\w.]+)")


def module_file(name: str) -> Path | None:
    """The source file of a project module (package → its __init__.py); None outside the project."""
    top = name.split(".")[0]
    if top not in ROOTS:
        return None
    base = ROOTS[top].joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node except the bodies of `if TYPE_CHECKING:` blocks (their `else:` does run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_names(path: Path, module: str) -> set[str]:
    """The module names a file imports at run time, absolute, including `from pkg import submodule`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            names.add(source)
            names |= {f"{source}.{alias.name}" for alias in node.names}  # submodules, where they are
    return names


def loaded_files(entry: str) -> set[Path]:
    """Every project source file importing `entry` can load, transitively."""
    seen: set[str] = set()
    files: set[Path] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        parts = name.split(".")
        for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1)):
            if prefix in seen:
                continue
            seen.add(prefix)
            path = module_file(prefix)
            if path is None:
                continue
            files.add(path)
            todo.extend(imported_names(path, prefix))
    return files


def uncovered(entry: str, deps: Iterable[str], repo: Path = REPO) -> list[str]:
    """The project files `entry` can load that no dep covers (a dep: a file, or a folder above files)."""
    dep_paths = [(repo / d).resolve() for d in deps]
    missing = []
    for path in sorted(loaded_files(entry)):
        if not any(path == d or d in path.parents for d in dep_paths):
            missing.append(str(path.relative_to(repo)))
    return missing


def stage_commands(dvc: Mapping) -> dict[str, tuple[str, list[str]]]:
    """stage name → (command, deps), from a dvc.yaml mapping; a `foreach` stage counts once (its
    command and deps are the same for every key, apart from ${key} in artifact paths)."""
    out = {}
    for name, stage in dvc["stages"].items():
        body = stage.get("do", stage)
        out[name] = (" ".join(str(body["cmd"]).split()), [str(d) for d in body.get("deps", [])])
    return out


def entry_module(cmd: str) -> str:
    m = ENTRY.match(cmd)
    assert m, f"command {cmd!r} is not `python -m <module> ...`"
    return m.group(1)


def graph_problems(dvc: Mapping, repo: Path = REPO) -> dict[str, list[str]]:
    problems = {}
    for name, (cmd, deps) in stage_commands(dvc).items():
        missing = uncovered(entry_module(cmd), deps, repo)
        if missing:
            problems[name] = missing
    return problems


@pytest.fixture(scope="module")
def dvc_yaml() -> dict:
    return yaml.safe_load((REPO / "dvc.yaml").read_text())


def test_every_stage_lists_the_code_it_loads(dvc_yaml):
    problems = graph_problems(dvc_yaml)
    assert not problems, "stages whose deps miss code they load:\n" + "\n".join(
        f"  {stage}: {', '.join(files)}" for stage, files in problems.items()
    )


def test_a_missing_dep_is_caught(dvc_yaml):
    """The check can fail: drop one dep from a stage and that stage is reported, naming the files."""
    doctored = yaml.safe_load(yaml.safe_dump(dvc_yaml))
    body = doctored["stages"]["evaluate"]["do"]
    body["deps"] = [d for d in body["deps"] if d != "src/nircolor/models"]
    problems = graph_problems(doctored)
    assert list(problems) == ["evaluate"]
    assert "src/nircolor/models/__init__.py" in problems["evaluate"]
    assert all(f.startswith("src/nircolor/models/") for f in problems["evaluate"])


def test_the_walk_follows_lazy_imports_and_skips_type_checking(tmp_path):
    """Unit level, on a made-up package: a function-level import counts, a TYPE_CHECKING one does not,
    `from pkg import submodule` and relative imports are followed, packages' __init__ files count."""
    pkg = tmp_path / "pipeline"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "entry.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pipeline import typing_only\n"
        "def main():\n    from . import lazy\n"
    )
    (pkg / "lazy.py").write_text("import pipeline.sub.leaf\n")
    (pkg / "typing_only.py").write_text("")
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "leaf.py").write_text("import os\n")
    old = dict(ROOTS)
    ROOTS.update({"pipeline": tmp_path, "flows": tmp_path / "none", "nircolor": tmp_path / "none"})
    try:
        files = {str(p.relative_to(tmp_path)) for p in loaded_files("pipeline.entry")}
        assert files == {"pipeline/__init__.py", "pipeline/entry.py", "pipeline/lazy.py",
                         "pipeline/sub/__init__.py", "pipeline/sub/leaf.py"}  # fmt: skip
        assert uncovered("pipeline.entry", ["pipeline/entry.py", "pipeline/lazy.py"], tmp_path) == [
            "pipeline/__init__.py", "pipeline/sub/__init__.py", "pipeline/sub/leaf.py"]  # fmt: skip
        assert uncovered("pipeline.entry", ["pipeline"], tmp_path) == []
    finally:
        ROOTS.clear()
        ROOTS.update(old)


def test_the_walk_agrees_with_what_python_loads():
    """What a stage's flow module really imports (a subprocess, sys.modules) is inside the walk's set."""
    import json
    import subprocess
    import sys

    code = ("import json, sys; import pipeline.train, flows.train; "
            "print(json.dumps([getattr(m, '__file__', None) for m in list(sys.modules.values())]))")  # fmt: skip
    env = {"PYTHONPATH": f"{REPO / 'src'}:{REPO}", "PATH": "/usr/bin:/bin"}
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300, check=True)  # fmt: skip
    folders = [root / top for top, root in ROOTS.items()]  # src/nircolor, flows, pipeline
    project = {Path(f) for f in json.loads(res.stdout.splitlines()[-1]) if f and Path(f).is_absolute()}
    project = {p.resolve() for p in project if any(d in p.resolve().parents for d in folders)}
    walked = loaded_files("pipeline.train") | loaded_files("flows.train")
    assert project and project <= walked, sorted(str(p) for p in project - walked)


def path_arguments(cmd: str, roots: Iterable[str]) -> list[str]:
    """The arguments of a command that are paths under one of `roots` (data/, artifacts/)."""
    import shlex

    return [tok for tok in shlex.split(cmd) if any(tok == r or tok.startswith(f"{r}/") for r in roots)]


def undeclared_paths(cmd: str, declared: Iterable[str], roots: Iterable[str], variants: Iterable[str]) -> list[str]:
    """Path arguments that are neither a dep nor an out of the stage, nor inside one (compare's
    `{variant}` templates are checked for every variant)."""
    declared = [Path(d) for d in declared]
    bad = []
    for arg in path_arguments(cmd, roots):
        for path in {arg.replace("{variant}", v) for v in variants}:
            if not any(Path(path) == d or d in Path(path).parents for d in declared):
                bad.append(path)
    return bad


def test_every_path_a_command_names_is_a_dep_or_an_out():
    """dvc.yaml writes each path twice (the command's argument, the dep or out): they cannot drift apart."""
    from dvc.repo import Repo

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    roots = [params["paths"]["data"], params["paths"]["artifacts"]]
    problems = {}
    with Repo(str(REPO)) as repo:
        for stage in (s for s in repo.index.stages if s.cmd):
            declared = [str(Path(o.fs_path).relative_to(REPO)) for o in [*stage.deps, *stage.outs]]
            bad = undeclared_paths(stage.cmd, declared, roots, params["variants"])
            if bad:
                problems[stage.addressing] = bad
            assert path_arguments(stage.cmd, roots), f"{stage.addressing}: a command without its paths"
    assert not problems, problems
    # and the check can fail: an output written by the command but not declared
    assert undeclared_paths("python -m pipeline.x --out artifacts/a/b.csv --in artifacts/packed",
                            ["artifacts/packed"], roots, ["dense"]) == ["artifacts/a/b.csv"]  # fmt: skip
    assert undeclared_paths("python -m pipeline.x --t artifacts/eval/{variant}/t.csv", ["artifacts/eval/dense"],
                            roots, ["dense", "baseline"]) == ["artifacts/eval/baseline/t.csv"]  # fmt: skip


def test_no_stage_module_writes_an_artifact_path():
    """The stage modules take their paths from the command line: they neither read params.yaml's
    `paths` (to build paths of their own) nor hold a literal path under the roots."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    roots = {params["paths"]["data"], params["paths"]["artifacts"]}
    modules = [*(REPO / "pipeline").glob("*.py"),
               *(REPO / "flows" / f"{s}.py" for s in ("ingest", "augment", "train", "evaluate", "compare"))]  # fmt: skip
    found = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "paths":  # cfg.paths.artifacts / "eval" ...
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: .paths")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                # "data" alone is also a word (a dict key); "artifacts" alone and `root/...` are paths
                if text == params["paths"]["artifacts"] or any(text.startswith(f"{r}/") for r in roots):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: {text!r}")
    assert not found, found
