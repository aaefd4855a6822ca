"""Architecture rules from DESIGN.md: the science imports no orchestration, the core needs torch alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "nircolor"
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
