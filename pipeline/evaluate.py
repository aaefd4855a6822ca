"""DVC stage `evaluate@<variant>`: the saturation scale fit on held-out pairs, per-image table, averages as DVC
metrics, colorized images (paths: dvc.yaml)."""

from __future__ import annotations

import argparse

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", required=True, help="a key of params.yaml: variants")
    ap.add_argument("--checkpoint", required=True, help="the variant's final (phase 3) checkpoint")
    ap.add_argument("--packed", required=True, help="the packed arrays (ingest's output)")
    ap.add_argument("--table", required=True, help="output: per-image PSNR/SSIM/AE (CSV)")
    ap.add_argument("--images", required=True, help="output: folder of colorized validation images")
    ap.add_argument("--final", required=True,
                    help="output: the checkpoint scored and registered (phase 3 with the fitted saturation scale)")
    ap.add_argument("--chroma-fit", required=True, help="output: the scale fit's scores on the held-out pairs (CSV)")
    ap.add_argument("--metrics", required=True, help="output: DVC metrics (JSON)")
    args = ap.parse_args()
    cfg = load_params().for_variant(args.variant)
    from flows.common import run_flow, run_tags
    from flows.evaluate import evaluate_flow

    tags = run_tags("evaluate", args.variant)
    result = run_flow(
        evaluate_flow, tags, cfg=cfg, variant=args.variant, checkpoint=args.checkpoint,
        packed_dir=args.packed, table_csv=args.table, images_dir=args.images, tags=tags,
        final_checkpoint=args.final, fit_csv=args.chroma_fit,
    )  # fmt: skip
    write_json(args.metrics, result)


if __name__ == "__main__":
    run_stage(main)
