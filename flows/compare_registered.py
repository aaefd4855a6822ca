"""Compare any two registered versions of `nir-colorizer` on the validation pairs and print Table I.

    python -m flows.compare_registered                 # @baseline vs @dense
    python -m flows.compare_registered --a champion --b 3 --packed artifacts/packed

`--a`/`--b` take an alias (baseline, dense, champion) or a version number (3 or v3). Each
version's checkpoint is downloaded, its sha256 checked against the registry, and loaded
pickle-free; the validation pairs come from an ingest pack.
"""

from __future__ import annotations

import argparse
import sys

from nircolor.data.packed import load_packed
from nircolor.inference import evaluate_generator
from nircolor.report import side_by_side, to_markdown
from nircolor.training.trainer import resolve_device

from flows.registry import RegistryError, load_registered
from flows.tracking import Tracker


def compare(a: str, b: str, packed: str, *, registered_model: str = "nir-colorizer",
            experiment: str = "nir-colorization", device: str = "auto") -> str:  # fmt: skip
    """Table I (Markdown) for two registered versions; columns are named `<ref>:<variant>`."""
    tracker = Tracker(experiment)
    dev = resolve_device(device)
    _, val, _ = load_packed(packed)
    tables = {}
    for ref in (a, b):
        g, meta = load_registered(tracker, registered_model, ref, device=str(dev))
        table, _ = evaluate_generator(g, val, dev)
        tables[f"{ref.removeprefix('@')} (v{meta['version']}, {meta['variant']})"] = table
    return to_markdown(side_by_side(tables), paper=False,
                       title=f"{registered_model}: {a} vs {b} on {len(val)} validation pairs")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", default="baseline")
    ap.add_argument("--b", default="dense")
    ap.add_argument("--packed", default="artifacts/packed", help="an ingest pack (validation pairs)")
    ap.add_argument("--model", default="nir-colorizer")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = ap.parse_args(argv)
    try:
        print(compare(args.a, args.b, args.packed, registered_model=args.model, device=args.device))
    except (RegistryError, FileNotFoundError) as err:
        print(f"compare_registered: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
