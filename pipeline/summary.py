"""After a pipeline run: print Table I, where the report and the UIs are, and the run's overhead."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline.common import load_params


def compute_seconds(metrics_dir: Path) -> float:
    """Time spent in the science itself (packing, training, scoring, rendering), summed over stages."""
    total = 0.0
    for path in metrics_dir.rglob("*.json"):
        total += float(json.loads(path.read_text()).get("compute_seconds", 0.0))
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--wall-seconds", type=float, help="wall time of the pipeline run, to report overhead")
    ap.add_argument("--prefect-ui", default=None)
    ap.add_argument("--mlflow-ui", default=None)
    args = ap.parse_args()
    cfg = load_params()
    art = Path(cfg.paths.artifacts)
    table = art / "reports" / "table1.md"
    print(table.read_text() if table.exists() else f"(no Table I yet at {table})")
    print(f"HTML report:  {(art / 'reports' / 'report.html').resolve()}")
    if args.mlflow_ui:
        print(f"MLflow UI:    {args.mlflow_ui}  (registered model {cfg.tracking.registered_model}: "
              + ", ".join(f"@{v}" for v in cfg.variants) + ", @champion)")  # fmt: skip
    if args.prefect_ui:
        print(f"Prefect UI:   {args.prefect_ui}")
    if args.wall_seconds:
        science = compute_seconds(art / "metrics")
        overhead = max(args.wall_seconds - science, 0.0)
        print(f"pipeline run: {args.wall_seconds:.0f} s wall, {science:.0f} s in the science, "
              f"{overhead:.0f} s ({100 * overhead / args.wall_seconds:.0f}%) pipeline overhead "
              "(imports, servers, DVC, tracking)")  # fmt: skip


if __name__ == "__main__":
    main()
