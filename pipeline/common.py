"""What every DVC stage module shares: params loading, clean failures, atomic metrics and plots files."""

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


def load_params(path: Path = PARAMS) -> Config:
    return load_config(path)


def write_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Atomic: DVC (or a person) never reads a half-written metrics file, even after kill -9."""
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_csv(path: str | Path, table: pd.DataFrame) -> Path:
    """Atomic, like write_json: a plots file is either the old one, absent, or complete."""
    return atomic_write_text(path, table.to_csv(index=False))


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage; turn the errors a person can fix into one clear message and exit code 2."""
    quiet_environment()  # before anything imports albumentations, prefect or mlflow
    from flows.common import PrefectUnavailable
    from flows.tracking import TrackingUnavailable
    from nircolor.data.layout import DatasetError
    from nircolor.training.checkpoint import CheckpointError

    try:
        main()
    except (ConfigError, DatasetError, CheckpointError, TrackingUnavailable, PrefectUnavailable) as err:
        print(f"\n{type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(2)
