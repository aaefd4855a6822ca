"""`nircolor bench`'s arguments and its report: the measurements of ``nircolor.bench`` as a table or JSON.

torch is imported only when the benchmark runs (``nircolor.bench``), not when the parser is built.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from nircolor.config import VARIANTS


def _fmt(v: float | None, spec: str = ".1f") -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def format_table(report: dict[str, Any]) -> str:
    m = report["machine"]
    mm = report["matmul_flops"]
    st = report["settings"]
    lines = [
        f"nircolor bench — {m['device_name']} ({m['device']}), torch {m['torch']}, "
        f"{st['image_size']}×{st['image_size']}, train batch {st['batch_size']}, infer batch {st['infer_batch']}",
        "matmul rate: " + ", ".join(f"{k} {v / 1e12:.2f} TFLOP/s" for k, v in mm.items()),
        "",
        "| variant | path | train img/s | paired epoch s | unpaired epoch s | 800 epochs min "
        "| train % of matmul | infer ms (b=1) | infer img/s | infer % of matmul | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, entry in report["variants"].items():
        for name, res in entry["paths"].items():
            fr = entry["matmul_fraction"][name]
            ep = res.get("measured_epochs")
            paired = _fmt(res["paired_epoch_s"], ".2f") + (f" ({ep['paired_epoch_s']:.2f})" if ep else "")
            unpaired = _fmt(res["unpaired_epoch_s"], ".2f") + (f" ({ep['unpaired_epoch_s']:.2f})" if ep else "")
            lines.append(
                f"| {variant} | {name} | {_fmt(res['train']['images_per_s'], '.2f')} | {paired} | {unpaired} "
                f"| {_fmt(res['schedule_800_s'] / 60, '.1f')} "
                f"| {_fmt(fr['train'] and 100 * fr['train'])} ({fr['against']}) "
                f"| {_fmt(res['infer']['latency_ms'])} | {_fmt(res['infer']['images_per_s'], '.2f')} "
                f"| {_fmt(fr['infer'] and 100 * fr['infer'])} | {_fmt(max(res['train']['peak_memory_mb'], res['infer']['peak_memory_mb']), '.0f')} |"
            )
    lines.append("")
    for variant, entry in report["variants"].items():
        lines.append(
            f"{variant}: fast over eager — training ×{entry['train_speedup']:.2f}, "
            f"inference ×{entry['infer_speedup']:.2f}"
        )
    if any("measured_epochs" in r for e in report["variants"].values() for r in e["paths"].values()):
        lines.append("epoch columns: implied by the step rate (measured through the trainer's loop)")
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--variant", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--precision", default="bf16", choices=["bf16", "fp32"], help="the fast path's precision (eager is always fp32)")
    p.add_argument("--compile", dest="compile", action="store_true", default=None, help="torch.compile on the fast path (default: on)")
    p.add_argument("--no-compile", dest="compile", action="store_false")
    p.add_argument("--batch-size", type=int, default=1, help="training batch (default 1, the reference CycleGAN's)")
    p.add_argument("--infer-batch", type=int, default=8)
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=5, help="timed training steps per path (median reported)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (compilation happens here)")
    p.add_argument("--repeats", type=int, default=10, help="timed inference calls")
    p.add_argument("--epochs", action="store_true", help="also time one paired and one unpaired epoch at the challenge's counts through the trainer")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    p.add_argument("--params", default=None, help="params file for everything else (default: the paper's recipe)")
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH", help="write the report as JSON to PATH (or stdout)")


def main(args: argparse.Namespace) -> int:
    from nircolor.bench import run_bench

    for name in ("batch_size", "infer_batch", "steps", "repeats"):
        if getattr(args, name) < 1:
            raise SystemExit(f"nircolor bench: --{name.replace('_', '-')} must be at least 1")
    if args.image_size < 32 or args.image_size & (args.image_size - 1):
        raise SystemExit("nircolor bench: --image-size must be a power of two >= 32")
    report = run_bench(args)
    if args.json == "-":
        print(json.dumps(report, indent=2))
    else:
        print(format_table(report))
        if args.json:
            from pathlib import Path

            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
            print(f"\nJSON: {args.json}")
    return 0
