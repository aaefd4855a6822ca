"""DVC stage `ingest`: raw data → packed arrays, the ingest report and metrics (paths: dvc.yaml)."""

from __future__ import annotations

import argparse

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True, help="the raw dataset (challenge layout)")
    ap.add_argument("--packed", required=True, help="output: the packed arrays' folder")
    ap.add_argument("--report", required=True, help="output: per-file ingest report (CSV)")
    ap.add_argument("--metrics", required=True, help="output: DVC metrics (JSON)")
    args = ap.parse_args()
    cfg = load_params()
    from flows.common import run_flow, run_tags
    from flows.ingest import dataset_errors_without_traceback, ingest_flow

    # A broken dataset fails the stage (exit 2, every problem named by run_stage); DVC then records
    # nothing for `ingest`, and the manifest, written last, never exists for a failed pack.
    with dataset_errors_without_traceback():
        result = run_flow(
            ingest_flow, run_tags("ingest"),
            data_dir=args.data, packed_dir=args.packed, report_csv=args.report,
            limit_pairs=cfg.ingest.limit_pairs, limit_online=cfg.ingest.limit_online,
            seed=cfg.ingest.seed, holdout_pairs=cfg.ingest.holdout_pairs,
        )  # fmt: skip
    write_json(args.metrics, result)


if __name__ == "__main__":
    run_stage(main)
