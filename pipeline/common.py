"""What every DVC stage module shares: params loading, clean failures, atomic metrics and plots files.

Paths: a stage module writes none. Every file a stage reads or writes is an argument of its
command in dvc.yaml (the one place a path is written); `params.yaml: paths` only holds the two
roots that dvc.yaml interpolates.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nircolor.config import Config, ConfigError, load_config
from nircolor.environment import quiet_environment
from nircolor.fsutil import atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

PARAMS = Path("params.yaml")  # DVC runs every stage from the repository (or experiment) root

# The errors a person fixes (bad params, a broken dataset or checkpoint, a server that is down):
# one clear message and exit code 2. Named by module so that run_stage imports none of them: a
# stage that never imported a module (ingest never loads torch) cannot raise its error.
FIXABLE = {
    "nircolor.config": "ConfigError",
    "nircolor.data.layout": "DatasetError",
    "nircolor.training.checkpoint": "CheckpointError",
    "flows.tracking": "TrackingUnavailable",
    "flows.common": "PrefectUnavailable",
}


def load_params(path: Path = PARAMS) -> Config:
    return load_config(path)


def write_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Atomic: DVC (or a person) never reads a half-written metrics file, even after kill -9."""
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_csv(path: str | Path, table: pd.DataFrame) -> Path:
    """Atomic, like write_json: a plots file is either the old one, absent, or complete."""
    return atomic_write_text(path, table.to_csv(index=False))


def _fixable(err: BaseException) -> bool:
    for module, name in FIXABLE.items():
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None and isinstance(err, cls):
            return True
    return False


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage; turn the errors a person can fix into one clear message and exit code 2."""
    quiet_environment()  # before anything imports albumentations, prefect or mlflow
    try:
        main()
    except Exception as err:
        if not _fixable(err):
            raise
        print(f"\n{type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(2)


__all__ = ["ConfigError", "load_params", "run_stage", "write_csv", "write_json"]
