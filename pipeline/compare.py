"""DVC stage `compare`: Table I (MD + CSV), Fig. 3 grid and the HTML report; champion alias."""

from __future__ import annotations

from pathlib import Path

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    cfg = load_params()
    from flows.common import run_flow, run_tags
    from flows.compare import compare_flow

    art = Path(cfg.paths.artifacts)
    variants = list(cfg.variants)
    tags = run_tags("compare")
    result = run_flow(
        compare_flow, tags, cfg=cfg,
        eval_dirs={v: str(art / "eval" / v) for v in variants},
        eval_metrics={v: str(art / "metrics" / v / "evaluate.json") for v in variants},
        packed_dir=str(art / "packed"), out_dir=str(art / "reports"), tags=tags,
    )  # fmt: skip
    write_json(art / "metrics" / "compare.json", result)
    print(f"\nTable I: {art / 'reports' / 'table1.md'}\nreport:  {art / 'reports' / 'report.html'}")


if __name__ == "__main__":
    run_stage(main)
