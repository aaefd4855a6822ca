"""What every DVC stage module shares: params loading, clean failures, atomic metrics files."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nircolor.config import Config, ConfigError, load_config

PARAMS = Path("params.yaml")  # DVC runs every stage from the repository (or experiment) root


def load_params(path: Path = PARAMS) -> Config:
    return load_config(path)


def write_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Atomic: DVC never reads a half-written metrics file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage; turn the errors a person can fix into one clear message and exit code 2."""
    from nircolor.data.layout import DatasetError
    from nircolor.training.checkpoint import CheckpointError

    try:
        main()
    except (ConfigError, DatasetError, CheckpointError) as err:
        print(f"\n{type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(2)
