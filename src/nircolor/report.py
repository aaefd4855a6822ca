"""Table I: per-variant PSNR/SSIM/AE side by side with the paper's averages, as Markdown or a self-contained HTML page."""

from __future__ import annotations

import base64
import html
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from nircolor.fsutil import atomic_write_text
from nircolor.stats import HIGHER_IS_BETTER

# Averages over the 18 validation pairs published in the VCIP 2020 paper's Table I.
PAPER_AVERAGES = {
    "baseline": {"psnr": 13.53, "ssim": 0.43, "ae": 9.38},
    "dense": {"psnr": 17.14, "ssim": 0.52, "ae": 5.93},
}
from nircolor.stats import METRICS  # noqa: E402  (one home for the metric names)

_FORMATS = {"psnr": "{:.2f}", "ssim": "{:.3f}", "ae": "{:.2f}"}


def side_by_side(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Join per-variant tables (columns image, psnr, ssim, ae) on `image`: columns `<variant>/<metric>`."""
    joined: pd.DataFrame | None = None
    for variant, table in tables.items():
        part = table.set_index("image")[list(METRICS)].add_prefix(f"{variant}/")
        joined = part if joined is None else joined.join(part, how="outer")
    if joined is None:
        raise ValueError("no tables to compare")
    # keep the average row last whatever the join order did
    order = [i for i in joined.index if i != "average"] + (["average"] if "average" in joined.index else [])
    return joined.loc[order].reset_index()


def to_markdown(table: pd.DataFrame, *, paper: bool = True, title: str | None = None) -> str:
    """Render a side-by-side table as GitHub Markdown; add the paper's averages as reference rows."""
    cols = list(table.columns)
    lines = [f"**{title}**", ""] if title else []
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|")

    def fmt(col: str, value) -> str:
        if col == "image" or not isinstance(value, (int, float)):
            return str(value)
        metric = col.rsplit("/", 1)[-1]
        return _FORMATS.get(metric, "{:.3f}").format(value)

    for _, row in table.iterrows():
        lines.append("| " + " | ".join(fmt(c, row[c]) for c in cols) + " |")
    if paper:
        cells = ["paper (VCIP 2020, Table I average)"]
        for c in cols[1:]:
            variant, _, metric = c.rpartition("/")
            ref = PAPER_AVERAGES.get(variant, {}).get(metric)
            cells.append("" if ref is None else _FORMATS[metric].format(ref))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --- HTML report -------------------------------------------------------------------------------

PAPER_ROW_LABEL = "paper (VCIP 2020 Table I)"
_METRIC_LABELS = {"psnr": "PSNR (dB)", "ssim": "SSIM", "ae": "AE (°)"}
_MISSING = "—"

# No external fonts, scripts or images: the page must render the same from a laptop, a CI artifact
# store or an e-mail attachment. The CSP makes a browser refuse anything that slipped in.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 75em; padding: 0 1em; color: #202020; }
h1 { font-size: 1.6em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
table.metrics { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
table.metrics th, table.metrics td { border: 1px solid #c8c8c8; padding: .25em .6em; }
table.metrics td.num { text-align: right; }
table.metrics td.label { text-align: left; }
table.metrics th { background: #f0f0f0; }
table.metrics tr.average { font-weight: bold; }
table.metrics tr.paper { font-style: italic; background: #fafafa; }
table.metrics td.better { background: #d9f2d9; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; image-rendering: pixelated; }
figcaption { color: #505050; margin-top: .3em; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; }
"""
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _format_cell(metric: str, value: object) -> str:
    if value is None or (_is_number(value) and math.isnan(value)):
        return _MISSING
    if _is_number(value):
        return _FORMATS.get(metric, "{:.3f}").format(value)
    return str(value)


def _best_columns(values: Mapping[str, object]) -> set[str]:
    """Columns `<variant>/<metric>` holding the strictly best value of their metric in one row."""
    by_metric: dict[str, list[tuple[float, str]]] = {}
    for col, value in values.items():
        metric = col.rpartition("/")[2]
        if metric in HIGHER_IS_BETTER and _is_number(value) and not math.isnan(value):
            by_metric.setdefault(metric, []).append((float(value), col))
    best = set()
    for metric, scored in by_metric.items():
        if len(scored) < 2:
            continue
        pick = max if HIGHER_IS_BETTER[metric] else min
        top = pick(v for v, _ in scored)
        winners = [c for v, c in scored if v == top]
        if len(winners) == 1:  # a tie has no better side
            best.add(winners[0])
    return best


def _html_table(table: pd.DataFrame) -> str:
    if "image" not in table.columns:
        raise ValueError(f"table needs an 'image' column, got {list(table.columns)}")
    cols = [c for c in table.columns if c != "image"]

    # Header row 1: each run of consecutive columns sharing a variant spans its metrics.
    groups: list[tuple[str, list[str]]] = []
    for col in cols:
        variant = col.rpartition("/")[0]
        if groups and variant and groups[-1][0] == variant:
            groups[-1][1].append(col)
        else:
            groups.append((variant, [col]))
    top = ['<th rowspan="2" scope="col">image</th>']
    sub = []
    for variant, members in groups:
        if variant:
            top.append(f'<th colspan="{len(members)}" scope="colgroup">{_esc(variant)}</th>')
            for col in members:
                metric = col.rpartition("/")[2]
                sub.append(f'<th scope="col">{_esc(_METRIC_LABELS.get(metric, metric))}</th>')
        else:  # a column without a variant prefix stands alone over both header rows
            top.append(f'<th rowspan="2" scope="col">{_esc(members[0])}</th>')

    def body_row(label: str, values: Mapping[str, object], css: str | None) -> str:
        best = _best_columns(values)
        cells = [f'<td class="label">{_esc(label)}</td>']
        for col in cols:
            klass = "num better" if col in best else "num"
            text = _format_cell(col.rpartition("/")[2], values.get(col))
            cells.append(f'<td class="{klass}">{_esc(text)}</td>')
        attr = f' class="{css}"' if css else ""
        return f"<tr{attr}>" + "".join(cells) + "</tr>"

    rows = []
    for record in table.to_dict(orient="records"):
        label = str(record["image"])
        rows.append(body_row(label, record, "average" if label == "average" else None))
    paper = {}
    for col in cols:
        variant, _, metric = col.rpartition("/")
        ref = PAPER_AVERAGES.get(variant, {}).get(metric)
        paper[col] = ref
    rows.append(body_row(PAPER_ROW_LABEL, paper, "paper"))

    return "\n".join(
        [
            '<table class="metrics">',
            "<thead>",
            "<tr>" + "".join(top) + "</tr>",
            "<tr>" + "".join(sub) + "</tr>",
            "</thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
        ]
    )


def _summary_table(summary: pd.DataFrame) -> str:
    head = "".join(f'<th scope="col">{_esc(h)}</th>' for h in ("model", *(_METRIC_LABELS[m] for m in METRICS)))
    rows = []
    for r in summary.to_dict(orient="records"):
        label = r["name"] if r.get("kind") != "reference" else f"{r['name']} (reference, no training)"
        css = ' class="paper"' if r.get("kind") == "reference" else ""
        cells = "".join(f'<td class="num">{_esc(_format_cell(m, r[m]))}</td>' for m in METRICS)
        rows.append(f'<tr{css}><td class="label">{_esc(label)}</td>{cells}</tr>')
    return (f'<table class="metrics summary"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")  # fmt: skip


def _figure(caption: str, path: Path) -> str:
    data = Path(path).read_bytes()
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file; figures are embedded as image/png")
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img src="{uri}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def html_report(
    *,
    title: str,
    table: pd.DataFrame,
    table_markdown: str | None = None,
    figures: Sequence[tuple[str, Path]] = (),
    facts: Mapping[str, str] = MappingProxyType({}),
    notes: Sequence[str] = (),
    summary: pd.DataFrame | None = None,
    findings: Sequence[str] = (),
) -> str:
    """One static, self-contained HTML page: facts, Table I, figures, notes. Same inputs → same text.

    `table` is `side_by_side`'s output (image, `<variant>/<metric>` …); it is shown with a
    two-row header (variant over PSNR (dB) / SSIM / AE (°)), the `average` row bold, a last row
    with the paper's published averages, and in each row the strictly best value of each metric
    across variants (higher PSNR/SSIM, lower AE) marked `class="better"`. Figures are PNG files
    embedded as base64 data URIs; there is no script and no external resource. All text is
    escaped. `table_markdown`, when given, is shown verbatim for copying. `summary` (rows name,
    kind, psnr, ssim, ae: the variants' averages and the reference floors, from
    `comparison.compare`) and `findings` (champion line, intervals, win counts) come first.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_esc(title)}</h1>",
    ]
    if facts:
        parts.append('<dl class="facts">')
        parts += [f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in facts.items()]
        parts.append("</dl>")
    if summary is not None:
        parts += ["<h2>Averages, with the reference floors</h2>", _summary_table(summary)]
    if findings:
        parts += ["<h2>Comparison</h2>", "<ul>"]
        parts += [f"<li>{_esc(line.removeprefix('- '))}</li>" for line in findings if line.strip()]
        parts.append("</ul>")
    parts += ["<h2>Table I: per-image PSNR / SSIM / AE</h2>", _html_table(table)]
    if table_markdown is not None:
        parts.append(
            "<details><summary>Table I as Markdown</summary>"
            f"<pre>{_esc(table_markdown)}</pre></details>"
        )
    if figures:
        parts.append("<h2>Figures</h2>")
        parts += [_figure(caption, path) for caption, path in figures]
    if notes:
        parts += ["<h2>Notes</h2>", "<ul>"]
        parts += [f"<li>{_esc(note)}</li>" for note in notes]
        parts.append("</ul>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_html(path: str | os.PathLike[str], text: str) -> Path:
    """Write an HTML page atomically (`nircolor.fsutil.atomic_write_text`)."""
    return atomic_write_text(path, text)
