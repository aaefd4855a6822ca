"""Compare registered versions of the registered model (params.yaml: tracking.registered_model) on the validation pairs: Table I with floors and intervals.

    python -m flows.ops.compare_registered                          # @baseline vs @dense
    python -m flows.ops.compare_registered --a champion --b 3
    python -m flows.ops.compare_registered --group baseline=4,7,10 --group dense=5,8,11   # seeds

`--a`/`--b` take an alias (baseline, dense, champion) or a version number (3 or v3). `--group
NAME=REF,REF,…` names several versions of one recipe (seeds: `dvc exp run --queue -S
train.seed=…`); each group is reported as mean ± sd over its versions, and the 95 % paired
bootstrap interval of a difference is taken over images × versions. Each version's checkpoint
is downloaded, its sha256 checked against the registry, and loaded pickle-free; it colorizes by
the same inference rule as `evaluate`. The validation pairs and the `lookup` floor come from an
ingest pack.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from flows.common import tracking_config
from flows.registry import RegistryError, load_registered
from flows.tracking import Tracker
from nircolor.comparison import compare as compare_tables
from nircolor.comparison import differences_markdown, summary_markdown
from nircolor.data.packed import load_lookup, load_packed
from nircolor.environment import quiet_environment
from nircolor.inference import evaluate_generator, score_references
from nircolor.report import side_by_side, to_markdown
from nircolor.device import resolve_device


def compare_groups(groups: dict[str, list[str]], packed: str, *, registered_model: str | None = None,
                   experiment: str | None = None, device: str = "auto") -> str:  # fmt: skip
    """Markdown: averages (mean ± sd over each group's versions) with the reference floors, paired
    bootstrap intervals and wins, then the per-image table (each group's mean over versions).

    The registered model and the experiment default to params.yaml's `tracking` section."""
    registered_model = registered_model or tracking_config().registered_model
    tracker = Tracker(experiment)
    dev = resolve_device(device)
    _, val, _ = load_packed(packed)
    runs: dict[str, list[pd.DataFrame]] = {}
    described = []
    for label, refs in groups.items():
        runs[label] = []
        for ref in refs:
            g, meta = load_registered(tracker, registered_model, ref, device=str(dev))
            table, _ = evaluate_generator(g, val, dev)
            runs[label].append(table)
            colour = f", colour × {meta['chroma_scale']:g}" if meta.get("chroma_scale", 1.0) != 1.0 else ""
            described.append(f"{label}: {ref.removeprefix('@')} = v{meta['version']} ({meta['variant']}, "
                             f"trained at {meta['trained_px']} px, scored at {val.nir.shape[1]} px{colour})")  # fmt: skip
    comparison = compare_tables(runs, score_references(val, load_lookup(packed)))
    means = {}
    for label, tables in runs.items():
        stacked = pd.concat(tables).groupby("image", sort=False)[["psnr", "ssim", "ae"]].mean().reset_index()
        means[label] = stacked
    title = f"{registered_model}: {' vs '.join(groups)} on {len(val)} validation pairs"
    return "\n".join([
        f"**{title}**", "", *[f"- {d}" for d in described], "",
        summary_markdown(comparison), f"**{comparison.champion_line}**", "",
        differences_markdown(comparison),
        to_markdown(side_by_side(means), paper=False, title="Per image (mean over versions)"),
    ])  # fmt: skip


def compare(a: str, b: str, packed: str, *, registered_model: str | None = None,
            experiment: str | None = None, device: str = "auto") -> str:  # fmt: skip
    """Two registered versions; groups are named after the references (`baseline`, `3`)."""
    return compare_groups({a.removeprefix("@"): [a], b.removeprefix("@"): [b]}, packed,
                          registered_model=registered_model, experiment=experiment, device=device)  # fmt: skip


def parse_group(text: str) -> tuple[str, list[str]]:
    """'dense=5,8,11' → ('dense', ['5', '8', '11'])."""
    name, sep, refs = text.partition("=")
    items = [r.strip() for r in refs.split(",") if r.strip()]
    if not sep or not name.strip() or not items:
        raise argparse.ArgumentTypeError(f"a group is NAME=REF[,REF…], got {text!r}")
    return name.strip(), items


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", default="baseline")
    ap.add_argument("--b", default="dense")
    ap.add_argument("--group", action="append", type=parse_group, default=[],
                    help="NAME=REF,REF,… several versions of one recipe (repeat; replaces --a/--b)")
    ap.add_argument("--packed", default="artifacts/packed", help="an ingest pack (validation pairs)")
    ap.add_argument("--model", default=None, help="registered model (default: params.yaml tracking.registered_model)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = ap.parse_args(argv)
    quiet_environment()
    groups = dict(args.group) if args.group else {args.a.removeprefix("@"): [args.a], args.b.removeprefix("@"): [args.b]}
    try:
        print(compare_groups(groups, args.packed, registered_model=args.model, device=args.device))
    except (RegistryError, FileNotFoundError, ValueError) as err:
        print(f"compare_registered: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
