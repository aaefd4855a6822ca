"""Table I: per-image PSNR/SSIM/AE of several variants side by side, with the paper's published averages."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

# Averages over the 18 validation pairs published in the VCIP 2020 paper's Table I.
PAPER_AVERAGES = {
    "baseline": {"psnr": 13.53, "ssim": 0.43, "ae": 9.38},
    "dense": {"psnr": 17.14, "ssim": 0.52, "ae": 5.93},
}
METRICS = ("psnr", "ssim", "ae")
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
