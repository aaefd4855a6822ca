"""Compare flow: the paper's Table I and Fig. 3 for baseline vs dense, one HTML report, the champion alias."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.config import Config
from nircolor.data.io import read_image
from nircolor.data.packed import load_packed
from nircolor.report import side_by_side, to_markdown

from flows.common import write_text_atomic
from flows.tracking import Tracker

LOWER_IS_BETTER = {"ae"}


def choose_champion(averages: dict[str, dict[str, float]], metric: str) -> str:
    """The documented rule: best average `metric` (PSNR by default; AE counts lower as better);
    a tie goes to the next metrics in the order psnr, ssim, ae, then to `dense`."""
    order = [metric] + [m for m in ("psnr", "ssim", "ae") if m != metric]

    def key(variant: str) -> tuple:
        vals = tuple(-averages[variant][m] if m in LOWER_IS_BETTER else averages[variant][m] for m in order)
        return (*vals, variant == "dense")

    return max(averages, key=key)


@task(cache_policy=NO_CACHE)
def build_tables(eval_dirs: dict[str, str], out_dir: str, title: str) -> dict[str, str]:
    tables = {v: pd.read_csv(Path(d) / "table.csv") for v, d in eval_dirs.items()}
    combined = side_by_side(tables)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "table1.csv", combined.to_csv(index=False))  # atomic, like every report file
    md = to_markdown(combined, title=title)
    write_text_atomic(out / "table1.md", md)
    print(md)
    return {"csv": str(out / "table1.csv"), "md": str(out / "table1.md")}


@task(cache_policy=NO_CACHE)
def build_fig3(eval_dirs: dict[str, str], packed_dir: str, out_png: str, n: int) -> str:
    from nircolor.viz import fig3_grid, save_png

    _, val, _ = load_packed(packed_dir)
    idx = np.linspace(0, len(val) - 1, num=min(n, len(val))).round().astype(int)
    names = [val.stems[i] for i in idx]
    outputs = {
        v: np.stack([read_image(Path(d) / "images" / f"{name}_rgb.png", "rgb") for name in names])
        for v, d in eval_dirs.items()
    }
    size = val.nir.shape[1]
    grid = fig3_grid(names, np.asarray(val.nir[idx]), outputs.get("baseline"), outputs.get("dense"),
                     np.asarray(val.rgb[idx]), scale=max(1, 128 // size))  # fmt: skip
    save_png(out_png, grid)
    return out_png


@task(cache_policy=NO_CACHE)
def build_html(tables: dict[str, str], fig3: str, out_html: str, facts: dict[str, str],
               notes: list[str], title: str) -> str:  # fmt: skip
    from nircolor.report import html_report, write_html

    table = pd.read_csv(tables["csv"])
    html = html_report(title=title, table=table, table_markdown=Path(tables["md"]).read_text(),
                       figures=[("Fig. 3: NIR | baseline | dense | ground truth", Path(fig3))],
                       facts=facts, notes=notes)  # fmt: skip
    write_html(out_html, html)
    return out_html


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def track(cfg: Config, champion: str, versions: dict[str, str], files: list[str],
          tags: dict[str, str]) -> dict[str, str]:  # fmt: skip
    from flows.registry import set_champion

    tracker = Tracker(cfg.tracking.experiment)
    run_id = tracker.variant_run("compare", tags=tags)
    for f in files:
        tracker.log_artifact(run_id, f, "report")
    tracker.log_table(run_id, pd.read_csv(files[0]), "report/table1.json")
    reason = f"best average val/{cfg.compare.metric} on the validation pairs (compare.metric)"
    set_champion(tracker, cfg.tracking.registered_model, versions[champion], reason)
    tracker.finish(run_id)
    return {"mlflow_run_id": run_id}


@flow(name="compare", log_prints=True)
def compare_flow(cfg: Config, eval_dirs: dict[str, str], eval_metrics: dict[str, str],
                 packed_dir: str, out_dir: str, tags: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Steps:
    1. Table I: per-image PSNR/SSIM/AE, baseline and dense side by side, with averages (MD + CSV)
    2. Fig. 3: a grid of NIR | baseline | dense | ground truth
    3. one static HTML report holding both
    4. log them to MLflow and set the registry alias `champion` by the documented rule
    """
    t0 = time.perf_counter()
    _, val, manifest = load_packed(packed_dir)
    results = {v: json.loads(Path(p).read_text()) for v, p in eval_metrics.items()}
    averages = {v: {m: r[m] for m in ("psnr", "ssim", "ae")} for v, r in results.items()}
    champion = choose_champion(averages, cfg.compare.metric)
    data_label = "SYNTHETIC data" if manifest["synthetic"] else "challenge data"
    title = f"Table I: PSNR (dB) / SSIM / AE (°) on {len(val)} validation pairs ({data_label})"
    tables = build_tables(eval_dirs, out_dir, title)
    fig3 = build_fig3(eval_dirs, packed_dir, str(Path(out_dir) / "fig3.png"), cfg.compare.fig3_images)
    facts = {
        "data": f"{data_label}, {manifest['counts']['train_pairs']} training pairs at "
                f"{manifest['image_size'][0]} px (sha256 {manifest['sha256'][:12]})",
        "unpaired RGB pool": manifest["unpaired_source"],
        "champion": f"{champion} (best average {cfg.compare.metric}; registry alias @champion)",
        "registered versions": ", ".join(f"@{v} = v{r['registered_version']}" for v, r in results.items()),
        "git commit": tags.get("git_commit", "unknown"),
        "DVC experiment": tags.get("dvc_experiment", "workspace"),
    }  # fmt: skip
    notes = list(manifest.get("notes", []))
    html = build_html(tables, fig3, str(Path(out_dir) / "report.html"), facts, notes, title)
    compute = time.perf_counter() - t0
    versions = {v: r["registered_version"] for v, r in results.items()}
    tracked = track(cfg, champion, versions, [tables["csv"], tables["md"], fig3, html], tags)
    print(f"champion: {champion}; report: {html}")
    return {"champion": champion, "report": html, **tracked, "compute_seconds": compute,
            **{f"{v}_{m}": averages[v][m] for v in averages for m in averages[v]}}  # fmt: skip
