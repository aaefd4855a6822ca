"""DVC stage `ingest`: raw data → artifacts/packed (+ ingest report and metrics)."""

from __future__ import annotations

from pathlib import Path

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    cfg = load_params()
    from flows.common import run_flow, run_tags
    from flows.ingest import dataset_errors_without_traceback, ingest_flow

    art = Path(cfg.paths.artifacts)
    # A broken dataset fails the stage (exit 2, every problem named by run_stage); DVC then records
    # nothing for `ingest`, and the manifest, written last, never exists for a failed pack.
    with dataset_errors_without_traceback():
        result = run_flow(
            ingest_flow, run_tags("ingest"),
            data_dir=cfg.paths.data, packed_dir=str(art / "packed"),
            report_csv=str(art / "reports" / "ingest.csv"),
            limit_pairs=cfg.ingest.limit_pairs, limit_online=cfg.ingest.limit_online,
            seed=cfg.ingest.seed,
        )  # fmt: skip
    write_json(art / "metrics" / "ingest.json", result)


if __name__ == "__main__":
    run_stage(main)
