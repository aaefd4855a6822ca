"""Architecture rules: one direction (dvc.yaml → pipeline/ → flows/ → src/nircolor), the science imports no
orchestration, the served model needs nircolor alone, the core needs torch alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "nircolor"
FLOWS = REPO / "flows"
MODEL = FLOWS / "registry" / "model.py"  # the served pyfunc model: its code travels with the model
FORBIDDEN = {"prefect", "mlflow", "dvc"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_src_never_imports_orchestration():
    offenders = {
        str(p.relative_to(SRC)): sorted(_imported_roots(p) & FORBIDDEN)
        for p in SRC.rglob("*.py")
        if _imported_roots(p) & FORBIDDEN
    }
    assert not offenders, f"src/nircolor must not import prefect/mlflow/dvc: {offenders}"


def test_src_never_imports_flows_or_pipeline():
    offenders = {
        str(p.relative_to(SRC)): sorted(_imported_roots(p) & {"flows", "pipeline"})
        for p in SRC.rglob("*.py")
        if _imported_roots(p) & {"flows", "pipeline"}
    }
    assert not offenders, f"src/nircolor must not import flows or pipeline: {offenders}"


def test_flows_never_import_pipeline():
    offenders = [str(p.relative_to(REPO)) for p in FLOWS.rglob("*.py") if "pipeline" in _imported_roots(p)]
    assert not offenders, f"flows/ must not import pipeline/ (dvc.yaml → pipeline → flows → nircolor): {offenders}"


def test_served_model_imports_nircolor_mlflow_and_numpy_only():
    """The pyfunc model's file is copied into every registered model beside nircolor, and nothing else."""
    allowed = {"nircolor", "mlflow", "numpy", "__future__"} | set(sys.stdlib_module_names)
    tree = ast.parse(MODEL.read_text())
    roots = _imported_roots(MODEL)  # imports inside functions count too (ast.walk sees them)
    relative = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]
    assert not relative, f"{MODEL.name} must not import relatively (from its package): {relative}"
    assert roots <= allowed, f"{MODEL.name} imports {sorted(roots - allowed)}; only nircolor, mlflow, numpy"
    assert "flows" not in roots
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert "__getattr__" not in names, "a plain class, no module-level __getattr__"
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "type"
                and len(n.args) == 3], (
        "the model class is a class statement, not built with type()"
    )


def test_every_module_says_what_it_owns():
    missing = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if ast.get_docstring(ast.parse(p.read_text())) is None]  # fmt: skip
    assert not missing, f"modules without a one-line docstring: {missing}"


BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {blocked!r}:
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
import nircolor.models, nircolor.losses, nircolor.training.checkpoint, nircolor.training.pool, nircolor.metrics
from nircolor.models import build_generator
g = build_generator('dense', 1, 3, ngf=4, image_size=32)
print('ok', sum(p.numel() for p in g.parameters()))
"""


def test_models_losses_metrics_and_checkpoints_need_torch_alone():
    # a bare GPU box has torch (and numpy) but maybe nothing else of ours
    blocked = ["albumentations", "pydantic", "pandas", "skimage", "cv2", "PIL", "yaml", "tqdm",
               "prefect", "mlflow", "dvc"]  # fmt: skip
    code = BLOCKER.replace("{blocked!r}", repr(set(blocked)))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.startswith("ok ")
