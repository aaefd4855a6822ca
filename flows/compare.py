"""Compare flow: Table I with reference floors and paired intervals, Fig. 3, one HTML report, the champion alias."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.comparison import Comparison, compare, differences_markdown, paper_markdown, summary_markdown
from nircolor.config import Config
from nircolor.data.io import read_image
from nircolor.data.packed import load_lookup, load_packed
from nircolor.inference import score_references as reference_tables
from nircolor.references import reference_outputs
from nircolor.report import PAPER_AVERAGES, side_by_side, to_markdown

from nircolor.fsutil import atomic_write_text as write_text_atomic
from flows.tracking import Tracker


@task(cache_policy=NO_CACHE)
def score_references(packed_dir: str, references_dir: str) -> dict[str, str]:
    """The floors: `gray` (NIR copied to R, G, B) and `lookup` (per-intensity mean RGB fit on the
    training pairs at ingest), scored like the variants; their outputs beside the tables
    (`<references_dir>/<name>/table.csv` and `outputs.npy`)."""
    _, val, _ = load_packed(packed_dir)
    lookup = load_lookup(packed_dir)
    out = Path(references_dir)
    paths = {}
    for name, table in reference_tables(val, lookup).items():
        (out / name).mkdir(parents=True, exist_ok=True)
        np.save(out / name / "outputs.npy", reference_outputs(name, np.asarray(val.nir), lookup))
        paths[name] = str(write_text_atomic(out / name / "table.csv", table.to_csv(index=False)))
    return paths


@task(cache_policy=NO_CACHE)
def build_tables(eval_tables: dict[str, str], reference_tables: dict[str, str], out: dict[str, str],
                 title: str, scales: dict[str, str], metric: str) -> dict[str, Any]:  # fmt: skip
    """Table I (per image, variants then references; MD + CSV), the averages with floors, the
    paired bootstrap differences (CSV) and the champion line."""
    tables = {v: pd.read_csv(p) for v, p in eval_tables.items()}
    refs = {r: pd.read_csv(p) for r, p in reference_tables.items()}
    # every variant also against the paper's dense row, the target issue 12 sets (`nircolor compare --paper dense`)
    comparison = compare({v: [t] for v, t in tables.items()}, refs, metric=metric,
                         paper={"dense": PAPER_AVERAGES["dense"]})
    combined = side_by_side({**tables, **refs})
    write_text_atomic(out["table_csv"], combined.to_csv(index=False))  # atomic, like every report file
    write_text_atomic(out["comparisons_csv"], comparison.differences_frame().to_csv(index=False))
    md = "\n".join([
        f"**{title}**", "",
        *[f"- {v}: {s}" for v, s in scales.items()], "",
        summary_markdown(comparison, PAPER_AVERAGES),
        f"**{comparison.champion_line}**", "",
        differences_markdown(comparison),
        paper_markdown(comparison),
        to_markdown(combined, title="Per image"),
    ])  # fmt: skip
    write_text_atomic(out["table_md"], md)
    print(md)
    return {"csv": out["table_csv"], "md": out["table_md"], "comparisons": out["comparisons_csv"],
            "comparison": comparison}  # fmt: skip


@task(cache_policy=NO_CACHE)
def build_fig3(eval_images: dict[str, str], packed_dir: str, lookup_outputs: str, out_png: str, n: int) -> str:
    from nircolor.viz import fig3_columns, save_png

    _, val, _ = load_packed(packed_dir)
    idx = np.linspace(0, len(val) - 1, num=min(n, len(val))).round().astype(int)
    names = [val.stems[i] for i in idx]
    outputs = {
        v: np.stack([read_image(Path(d) / f"{name}_rgb.png", "rgb") for name in names])
        for v, d in eval_images.items()
    }
    outputs["lookup (reference)"] = np.load(lookup_outputs)[idx]
    size = val.nir.shape[1]
    grid = fig3_columns(names, np.asarray(val.nir[idx]), outputs, np.asarray(val.rgb[idx]),
                        scale=max(1, 128 // size))  # fmt: skip
    save_png(out_png, grid)
    return out_png


@task(cache_policy=NO_CACHE)
def build_html(tables: dict[str, Any], fig3: str, out_html: str, facts: dict[str, str],
               notes: list[str], title: str, columns: str) -> str:  # fmt: skip
    from nircolor.report import html_report, write_html

    comparison: Comparison = tables["comparison"]
    table = pd.read_csv(tables["csv"])
    html = html_report(title=title, table=table, table_markdown=Path(tables["md"]).read_text(),
                       figures=[(f"Fig. 3: {columns}", Path(fig3))], facts=facts, notes=notes,
                       summary=comparison.summary, findings=[comparison.champion_line,
                       *differences_markdown(comparison).splitlines()[2:],
                       *paper_markdown(comparison).splitlines()[2:]])  # fmt: skip
    write_html(out_html, html)
    return out_html


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def track(cfg: Config, champion: str, results: dict[str, dict], files: list[str], fig3: str,
          metrics: dict[str, Any], tags: dict[str, str]) -> dict[str, str]:  # fmt: skip
    from flows.registry import set_champion

    tracker = Tracker(cfg.tracking.experiment)
    run_id = tracker.variant_run("compare", tags=tags)
    for f in files:
        tracker.log_artifact(run_id, f, "report")
    tracker.log_table(run_id, pd.read_csv(files[0]), "report/table1.json")
    tracker.log_metrics(run_id, _flat(metrics))
    # each variant's own run: the floors it is judged against, whether it beats them, and Fig. 3
    for variant, r in results.items():
        parent = r.get("mlflow_parent_run_id")
        if not parent:
            continue
        ref = {f"ref/{name}/{m}": v for name, avg in metrics["averages"].items()
               if name not in results for m, v in avg.items()}  # fmt: skip
        tracker.log_metrics(parent, ref)
        beats = metrics["beats_lookup"].get(variant, {})
        tracker.set_tags(parent, {"beats_lookup_on": ",".join(m for m, b in beats.items() if b) or "none"})
        tracker.log_image(parent, fig3, "eval/fig3.png")
    reason = f"best average val/{cfg.compare.metric} on the validation pairs (compare.metric)"
    set_champion(tracker, cfg.tracking.registered_model, results[champion]["registered_version"], reason)
    tracker.finish(run_id)
    return {"mlflow_run_id": run_id}


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"vs": {"dense_vs_lookup": {"psnr": {"mean": 1.2}}}} → {"vs/dense_vs_lookup/psnr/mean": 1.2}."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out


def scale_line(result: dict[str, Any]) -> str:
    """'trained at 64 px, scored at 256 px' for one variant's evaluate result; a scale other than
    the two sizes' ratio (native crops, crop_scale) is named: 'trained at 128 px (scale 2), …'; so is
    a saturation scale other than 1: '…, colour × 0.45 (fit on 36 held-out pairs)' or '(fit on 96 training
    pairs)'."""
    trained, scored, scale = result.get("trained_px", "?"), result.get("scored_px", "?"), result.get("scale")
    named = ""
    if scale is not None and isinstance(trained, int) and isinstance(scored, int) and scale != trained / scored:
        named = f" (scale {scale:g})"
    chroma, held = result.get("chroma_scale", 1.0), result.get("heldout_pairs", 0)
    drawn = result.get("chroma_pairs", 0) if result.get("chroma_fit_on") == "train" else 0
    colour = ""
    if held:
        colour = f", colour × {chroma:g} (fit on {held} held-out pairs)"
    elif drawn:
        colour = f", colour × {chroma:g} (fit on {drawn} training pairs)"
    elif chroma != 1.0:
        colour = f", colour × {chroma:g} (set in the checkpoint)"
    return f"trained at {trained} px{named}, scored at {scored} px{colour}"


@flow(name="compare", log_prints=True)
def compare_flow(cfg: Config, eval_tables: dict[str, str], eval_images: dict[str, str],
                 eval_metrics: dict[str, str], packed_dir: str, out: dict[str, str],
                 tags: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Per variant (the keys): its evaluate table, images folder and metrics file. `out`: where each
    output goes, keys table_md, table_csv, comparisons_csv, references_dir, fig3_png, report_html.

    Steps:
    1. score the reference floors (gray, lookup) on the validation pairs
    2. Table I: per-image PSNR/SSIM/AE of every variant and reference, averages, paired bootstrap
       intervals and win counts for each pair of variants and each variant against lookup (MD + CSV)
    3. Fig. 3: a grid of NIR | each variant | lookup | ground truth
    4. one static HTML report holding them
    5. log them to MLflow (the floors and Fig. 3 on each variant's run too) and set the registry
       alias `champion` by the documented rule
    """
    t0 = time.perf_counter()
    _, val, manifest = load_packed(packed_dir)
    results = {v: json.loads(Path(p).read_text()) for v, p in eval_metrics.items()}
    data_label = "SYNTHETIC data" if manifest["synthetic"] else "challenge data"
    scored = {r.get("scored_px") for r in results.values()}
    title = (f"Table I: PSNR (dB) / SSIM / AE (°) on {len(val)} validation pairs ({data_label}), "
             f"scored at {'/'.join(str(s) for s in sorted(scored, key=str))} px")  # fmt: skip
    refs = score_references(packed_dir, out["references_dir"])
    scales = {v: scale_line(r) for v, r in results.items()}
    tables = build_tables(eval_tables, refs, out, title, scales, cfg.compare.metric)
    comparison: Comparison = tables["comparison"]
    lookup_outputs = str(Path(out["references_dir"]) / "lookup" / "outputs.npy")
    fig3 = build_fig3(eval_images, packed_dir, lookup_outputs, out["fig3_png"], cfg.compare.fig3_images)
    columns = " | ".join(["NIR", *results, "lookup", "ground truth"])
    facts = {
        "data": f"{data_label}, {manifest['counts']['train_pairs']} training pairs"
                + (f" and {held} held out of training for the saturation scale"
                   if (held := manifest["counts"].get("heldout_pairs", 0)) else "")
                + f" (native {manifest['source_size'][0]} px, sha256 {manifest['sha256'][:12]})",
        "scales": "; ".join(f"{v}: {s}" for v, s in scales.items()),
        "unpaired RGB pool": manifest["unpaired_source"],
        "champion": f"{comparison.champion_line} (registry alias @champion)",
        "registered versions": ", ".join(f"@{v} = v{r['registered_version']}" for v, r in results.items()),
        "git commit": tags.get("git_commit", "unknown"),
        "DVC experiment": tags.get("dvc_experiment", "workspace"),
    }  # fmt: skip
    notes = list(manifest.get("notes", []))
    html = build_html(tables, fig3, out["report_html"], facts, notes, title, columns)
    compute = time.perf_counter() - t0
    metrics = comparison.metrics()
    files = [tables["csv"], tables["md"], tables["comparisons"], fig3, html]
    tracked = track(cfg, comparison.champion, results, files, fig3, metrics, tags)
    print(comparison.champion_line)
    print(f"report: {html}")
    return {"champion": comparison.champion, "report": html, **tracked, "compute_seconds": compute,
            **metrics}  # fmt: skip
