"""After a pipeline run: print Table I, where the report and the UIs are, and the run's overhead.

Where the files are comes from dvc.yaml (the compare stage's command, every stage's metrics), like
everything else: this module writes no path.
"""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Iterable
from pathlib import Path

from pipeline.common import load_params


def compute_seconds(metrics_files: Iterable[Path]) -> float:
    """Time spent in the science itself (packing, training, scoring, rendering), summed over stages."""
    total = 0.0
    for path in metrics_files:
        if path.is_file():
            total += float(json.loads(path.read_text()).get("compute_seconds", 0.0))
    return total


def pipeline_files(repo: str = ".") -> tuple[argparse.Namespace, list[Path]]:
    """The compare stage's arguments (Table I, report) and every stage's metrics file, from dvc.yaml."""
    from dvc.repo import Repo

    from pipeline.compare import parser

    with Repo(repo) as dvc:
        stages = {s.addressing: s for s in dvc.index.stages if s.cmd}
        metrics = [Path(out.fs_path) for s in stages.values() for out in s.outs if out.metric]
        compare_cmd = shlex.split(stages["compare"].cmd)
    return parser().parse_args(compare_cmd[3:]), metrics  # after `python -m pipeline.compare`


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--wall-seconds", type=float, help="wall time of the pipeline run, to report overhead")
    ap.add_argument("--prefect-ui", default=None)
    ap.add_argument("--mlflow-ui", default=None)
    args = ap.parse_args()
    cfg = load_params()
    compare, metrics = pipeline_files()
    table = Path(compare.table_md)
    print(table.read_text() if table.exists() else f"(no Table I yet at {table})")
    print(f"HTML report:  {Path(compare.report).resolve()}")
    if args.mlflow_ui:
        print(f"MLflow UI:    {args.mlflow_ui}  (registered model {cfg.tracking.registered_model}: "
              + ", ".join(f"@{v}" for v in cfg.variants) + ", @champion)")  # fmt: skip
    if args.prefect_ui:
        print(f"Prefect UI:   {args.prefect_ui}")
    if args.wall_seconds:
        science = compute_seconds(metrics)
        overhead = max(args.wall_seconds - science, 0.0)
        print(f"pipeline run: {args.wall_seconds:.0f} s wall, {science:.0f} s in the science, "
              f"{overhead:.0f} s ({100 * overhead / args.wall_seconds:.0f}%) pipeline overhead "
              "(imports, servers, DVC, tracking)")  # fmt: skip


if __name__ == "__main__":
    main()
