"""DVC stage `augment`: the augmentation record (albumentations JSON) and a preview grid (paths: dvc.yaml)."""

from __future__ import annotations

import argparse

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--packed", required=True, help="the packed arrays (ingest's output)")
    ap.add_argument("--record", required=True, help="output: the augmentation as albumentations JSON")
    ap.add_argument("--preview", required=True, help="output: preview grid (PNG)")
    ap.add_argument("--metrics", required=True, help="output: DVC metrics (JSON)")
    args = ap.parse_args()
    cfg = load_params()
    from flows.augment import augment_flow
    from flows.common import run_flow, run_tags

    result = run_flow(
        augment_flow, run_tags("augment"),
        augment=cfg.augment, image_size=cfg.model.image_size, packed_dir=args.packed,
        out_json=args.record, preview_png=args.preview, seed=cfg.train.seed,
    )  # fmt: skip
    write_json(args.metrics, result)


if __name__ == "__main__":
    run_stage(main)
