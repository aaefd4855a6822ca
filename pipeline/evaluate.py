"""DVC stage `evaluate@<variant>`: per-image table, averages as DVC metrics, colorized images."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", required=True, help="a key of params.yaml: variants")
    args = ap.parse_args()
    cfg = load_params().for_variant(args.variant)
    from flows.common import run_flow, run_tags
    from flows.evaluate import evaluate_flow

    art = Path(cfg.paths.artifacts)
    tags = run_tags("evaluate", args.variant)
    result = run_flow(
        evaluate_flow, tags, cfg=cfg, variant=args.variant,
        checkpoint=str(art / "checkpoints" / args.variant / "phase3.pt"),
        packed_dir=str(art / "packed"), out_dir=str(art / "eval" / args.variant), tags=tags,
    )  # fmt: skip
    write_json(art / "metrics" / args.variant / "evaluate.json", result)


if __name__ == "__main__":
    run_stage(main)
