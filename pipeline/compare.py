"""DVC stage `compare`: Table I (MD + CSV), Fig. 3 grid and the HTML report; champion alias (paths: dvc.yaml).

It compares every variant `params.yaml: variants` lists. The per-variant inputs are templates in
dvc.yaml whose `{variant}` this module fills in for each one.
"""

from __future__ import annotations

import argparse

from pipeline.common import load_params, run_stage, write_json

VARIANT = "{variant}"


def per_variant(template: str, variants: list[str], ap: argparse.ArgumentParser) -> dict[str, str]:
    if VARIANT not in template:
        ap.error(f"{template!r} must contain {VARIANT}")
    return {v: template.replace(VARIANT, v) for v in variants}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--packed", required=True, help="the packed arrays (ingest's output)")
    ap.add_argument("--tables", required=True, help="each variant's evaluate table, with {variant}")
    ap.add_argument("--images", required=True, help="each variant's colorized images folder, with {variant}")
    ap.add_argument("--evaluated", required=True, help="each variant's evaluate metrics (JSON), with {variant}")
    ap.add_argument("--table-md", required=True, help="output: Table I (Markdown)")
    ap.add_argument("--table-csv", required=True, help="output: Table I (CSV)")
    ap.add_argument("--comparisons", required=True, help="output: paired differences (CSV)")
    ap.add_argument("--references", required=True, help="output: folder of the gray/lookup floors")
    ap.add_argument("--fig3", required=True, help="output: Fig. 3 grid (PNG)")
    ap.add_argument("--report", required=True, help="output: the HTML report")
    ap.add_argument("--metrics", required=True, help="output: DVC metrics (JSON)")
    return ap


def main() -> None:
    ap = parser()
    args = ap.parse_args()
    cfg = load_params()
    from flows.common import run_flow, run_tags
    from flows.compare import compare_flow

    variants = list(cfg.variants)
    out = {"table_md": args.table_md, "table_csv": args.table_csv, "comparisons_csv": args.comparisons,
           "references_dir": args.references, "fig3_png": args.fig3, "report_html": args.report}  # fmt: skip
    tags = run_tags("compare")
    result = run_flow(
        compare_flow, tags, cfg=cfg,
        eval_tables=per_variant(args.tables, variants, ap),
        eval_images=per_variant(args.images, variants, ap),
        eval_metrics=per_variant(args.evaluated, variants, ap),
        packed_dir=args.packed, out=out, tags=tags,
    )  # fmt: skip
    write_json(args.metrics, result)
    print(f"\nTable I: {args.table_md}\nreport:  {args.report}")


if __name__ == "__main__":
    run_stage(main)
