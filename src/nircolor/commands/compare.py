"""`nircolor compare`: per-image tables → floors, paired bootstrap intervals, win counts, champion."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_compare(args: argparse.Namespace) -> int:
    """Per-image tables (CSV: image, psnr, ssim, ae) → floors, intervals, win counts, champion."""
    import pandas as pd

    from nircolor.comparison import compare, differences_markdown, paper_markdown, summary_markdown
    from nircolor.data.layout import DatasetError, load_pairs
    from nircolor.data.packed import PairArrays
    from nircolor.data.validate import validate_dataset
    from nircolor.inference import score_references
    from nircolor.references import fit_lookup
    from nircolor.report import PAPER_AVERAGES

    runs: dict[str, list[pd.DataFrame]] = {}
    for item in args.table:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            print(f"nircolor compare: --table takes NAME=CSV, got {item!r}", file=sys.stderr)
            return 2
        try:
            table = pd.read_csv(path)
        except (OSError, ValueError) as err:
            print(f"nircolor compare: {path}: {err}", file=sys.stderr)
            return 2
        missing = {"image", "psnr", "ssim", "ae"} - set(table.columns)
        if missing:
            print(f"nircolor compare: {path}: no column {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
        runs.setdefault(name, []).append(table)
    refs = {}
    if args.data:
        try:
            index = validate_dataset(Path(args.data))
        except DatasetError as err:
            print(str(err), file=sys.stderr)
            return 1
        train_nir, train_rgb = load_pairs(index.pairs)
        val_nir, val_rgb = load_pairs(index.validation)
        val = PairArrays(val_nir, val_rgb, tuple(p.stem for p in index.validation))
        refs = score_references(val, fit_lookup(train_nir, train_rgb))  # lookup: the training pairs only
    try:
        paper = {row: PAPER_AVERAGES[row] for row in args.paper or []}
        c = compare(runs, refs, metric=args.metric, paper=paper)
    except (ValueError, KeyError) as err:
        print(f"nircolor compare: {err}", file=sys.stderr)
        return 2
    print(summary_markdown(c, {k: v for k, v in PAPER_AVERAGES.items() if k in runs or k in (args.paper or [])}))
    print(f"**{c.champion_line}**\n")
    print(differences_markdown(c))
    if c.paper_differences:
        print(paper_markdown(c))
    return 0
