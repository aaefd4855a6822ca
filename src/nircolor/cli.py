"""The `nircolor` command line: synth, validate, train (end to end), colorize."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml


def _banner(text: str) -> None:
    print(f"\n== {text} ==", file=sys.stderr, flush=True)


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    from nircolor.config import ConfigError, parse_overrides

    try:
        return parse_overrides(items)
    except ConfigError as err:
        raise SystemExit(f"nircolor: --set: {err}") from None


# ---------------------------------------------------------------- synth / validate


def cmd_synth(args: argparse.Namespace) -> int:
    from nircolor.data.synth import write_synthetic

    t0 = time.perf_counter()
    total = args.pairs * 2 + args.unpaired + args.val * 2
    from tqdm.auto import tqdm

    with tqdm(total=total, desc="synthetic images", unit="img", disable=args.quiet) as bar:
        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.n)

        index = write_synthetic(
            Path(args.dir), n_pairs=args.pairs, n_unpaired=args.unpaired, n_val=args.val,
            size=args.size, seed=args.seed, progress=progress,
        )  # fmt: skip
    print(f"wrote a SYNTHETIC dataset to {args.dir} in {time.perf_counter() - t0:.1f} s")
    print(index.summary())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from nircolor.data.layout import DatasetError
    from nircolor.data.validate import validate_dataset

    try:
        index = validate_dataset(Path(args.dir))
    except DatasetError as err:
        print(str(err), file=sys.stderr)
        return 1
    print(index.summary())
    return 0


# ---------------------------------------------------------------- train (end to end)


def _finished(ckpt: Path, cfg, provenance: dict[str, str]) -> bool:
    """A complete phase checkpoint from the same params and data need not be trained again."""
    from nircolor.training.checkpoint import CheckpointError, load_checkpoint

    if not ckpt.exists():
        return False
    try:
        state = load_checkpoint(ckpt)
    except CheckpointError:
        return False
    return (
        state["complete"]
        and state["config"] == cfg.model_dump(mode="json")
        and state.get("provenance") == provenance
    )


def cmd_train(args: argparse.Namespace) -> int:
    import torch
    from tqdm.auto import tqdm

    from nircolor.config import PHASES, ConfigError, load_config, load_profile
    from nircolor.data.layout import DatasetError
    from nircolor.data.packed import load_packed, pack_dataset
    from nircolor.data.validate import validate_dataset
    from nircolor.device import configure_runtime, resolve_device
    from nircolor.inference import evaluate_generator, load_generator
    from nircolor.report import side_by_side, to_markdown
    from nircolor.training.phase import run_phase

    overrides = _parse_overrides(args.set)
    try:
        if args.profile:  # a profile (profiles/*.yaml: dotted key → value), then --set on top
            overrides = {**load_profile(args.profile), **overrides}
        cfg = load_config(args.params, overrides)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))

    _banner(f"validate {args.data}")
    try:
        index = validate_dataset(Path(args.data))
    except DatasetError as err:
        print(str(err), file=sys.stderr)
        return 1
    print(index.summary(), file=sys.stderr)
    _banner("pack")
    manifest = pack_dataset(
        index, out / "packed", limit_pairs=cfg.ingest.limit_pairs,
        limit_online=cfg.ingest.limit_online, seed=cfg.ingest.seed,
    )  # fmt: skip
    train, val, _ = load_packed(out / "packed")
    print(
        f"{len(train.paired)} training pairs, unpaired pool {train.unpaired_size} "
        f"({manifest['unpaired_source']}), {len(val)} validation pairs", file=sys.stderr,
    )  # fmt: skip

    provenance = {"data_sha256": manifest["sha256"], "unpaired_source": manifest["unpaired_source"]}
    device = resolve_device(cfg.train.device)
    tables = {}
    for variant in args.variant or list(cfg.variants):
        vcfg = cfg.for_variant(variant)
        prev = None
        for phase in PHASES:
            _banner(f"{variant} {phase} ({vcfg.schedule.count(phase)} epochs)")
            ckpt = out / "checkpoints" / variant / f"{phase}.pt"

            def log_epoch(epoch: int, rec: dict[str, Any]) -> None:
                if not args.quiet:  # tqdm.write keeps the line above the progress bar
                    tqdm.write(
                        f"  epoch {epoch:4d} {rec['mode']:8s} lr {rec['lr']:.2e} "
                        f"G {rec['loss_g']:.3f} pair_rgb {rec['loss_pair_rgb']:.4f} "
                        f"D {rec['loss_d_rgb']:.3f}/{rec['loss_d_nir']:.3f} "
                        f"{rec['images_per_s']:.1f} img/s"
                        + (f" val {rec['val_psnr']:.2f}/{rec['val_ssim']:.3f}/{rec['val_ae']:.2f}"
                           if "val_psnr" in rec else ""), file=sys.stderr,
                    )  # fmt: skip

            if _finished(ckpt, vcfg, provenance):
                print(f"  {ckpt} is complete for these params and data: kept", file=sys.stderr)
                prev = ckpt
                continue
            configure_runtime(vcfg.train, resolve_device(vcfg.train.device))  # threads, cudnn, dynamo
            result = run_phase(
                phase, variant=variant, cfg=vcfg, data=train, out=ckpt, init=prev,
                on_epoch_end=log_epoch, progress=not args.quiet, provenance=provenance, val=val,
            )  # fmt: skip
            if result.resumed_from_epoch is not None:
                print(f"  resumed after epoch {result.resumed_from_epoch}", file=sys.stderr)
            prev = ckpt
        _banner(f"{variant} evaluate on {len(val)} validation pairs")
        g, _ = load_generator(prev, device)
        table, _ = evaluate_generator(g, val, device)
        eval_dir = out / "eval" / variant
        eval_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(eval_dir / "metrics.csv", index=False)
        tables[variant] = table
        del g
        if device.type == "cuda":
            torch.cuda.empty_cache()

    combined = side_by_side(tables)
    combined.to_csv(out / "table1.csv", index=False)
    label = " (SYNTHETIC data)" if index.is_synthetic else ""
    md = to_markdown(combined, title=f"Table I: PSNR (dB) / SSIM / AE (°) on {len(val)} validation pairs{label}")
    (out / "table1.md").write_text(md)
    print()
    print(md)
    print(f"checkpoints: {out / 'checkpoints'}\ntables: {out / 'table1.md'}, {out / 'eval'}")
    return 0


# ---------------------------------------------------------------- colorize


def _collect_inputs(paths: list[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Image files named directly or found directly in named folders; (files, [(path, why unusable)])."""
    from nircolor.data.io import IMAGE_EXTENSIONS, access_problem

    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        reason = access_problem(p)
        if reason is not None:
            problems.append((p, "no such file or folder" if reason == "does not exist" else reason))
        elif p.is_dir():
            try:
                entries = sorted(p.iterdir())
            except OSError as exc:
                why = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
                problems.append((p, f"cannot list the folder ({why})"))
                continue
            # Hidden files (macOS ._x.png forks, editor temporaries) are never images to colorize.
            found = [f for f in entries if f.suffix.lower() in IMAGE_EXTENSIONS and not f.name.startswith(".")]
            if not found:
                subdirs = [f.name for f in entries if f.is_dir()][:4]
                hint = f"; subfolders are not searched (it has {', '.join(subdirs)}): name them" if subdirs else ""
                problems.append((p, f"folder holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))}){hint}"))
            files.extend(found)
        else:
            files.append(p)
    unique = list(dict.fromkeys(files))  # a file named twice (itself and via its folder) is done once
    return unique, problems


def _output_name(f: Path) -> str:
    return f.stem.removesuffix("_nir") + "_rgb.png"


def _claim_outputs(files: list[Path]) -> tuple[dict[Path, str], list[tuple[Path, str]]]:
    """Output name per input; inputs whose names collide (x_nir.png and x_nir.jpg → x_rgb.png) are refused,
    since one output would silently overwrite the other."""
    by_name: dict[str, list[Path]] = {}
    for f in files:
        by_name.setdefault(_output_name(f), []).append(f)
    names, problems = {}, []
    for name, group in by_name.items():
        if len(group) == 1:
            names[group[0]] = name
            continue
        for f in group:
            others = ", ".join(str(o) for o in group if o != f)
            problems.append((f, f"would be written to the same {name} as {others}; rename one of them"))
    return names, problems


def cmd_colorize(args: argparse.Namespace) -> int:
    """Colorize every usable input; list each unusable one on its own line and exit 1 if there was any.

    Good inputs are colorized even when others in the same call fail (a batch is not held hostage
    by one bad file). Each output is written atomically (temporary file, then rename), so an
    output file that exists is complete; a failed input leaves no file behind.
    """
    from tqdm.auto import tqdm

    from nircolor.data.io import (
        ImageError,
        display_path,
        probe_image,
        read_image,
        write_png,
    )
    from nircolor.device import resolve_device
    from nircolor.inference import (
        InputTooLarge,
        colorize_array,
        infer_size_problem,
        load_generator,
    )
    from nircolor.training.checkpoint import CheckpointError

    def fail(path: Path, reason: str) -> None:
        failed.append(path)
        # tqdm.write: a line of its own even while the progress bar is drawn
        tqdm.write(f"nircolor colorize: {display_path(path)}: {reason}", file=sys.stderr)

    failed: list[Path] = []
    files, problems = _collect_inputs(args.inputs)
    names, collisions = _claim_outputs(files)
    for path, reason in problems + collisions:
        fail(path, reason)
    todo = []
    for f in names:  # headers first (cheap): size limits, mode and alpha refused before any decoding
        try:
            info = probe_image(f, "nir")
        except ImageError as err:
            fail(f, err.reason)
            continue
        too_large = infer_size_problem(*info.size)
        if too_large is not None:
            fail(f, too_large)
        else:
            todo.append(f)
    total = len(failed) + len(todo)
    if not todo:
        print(f"nircolor colorize: none of the {total} input(s) can be colorized; nothing written", file=sys.stderr)
        return 1
    try:
        device = resolve_device(args.device)
        g, meta = load_generator(args.checkpoint, device)
    except (CheckpointError, RuntimeError) as err:
        print(f"nircolor colorize: {err}", file=sys.stderr)
        return 1
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"nircolor colorize: {out}: cannot create the output folder ({exc.strerror or exc})", file=sys.stderr)
        return 1
    done = 0
    for f in tqdm(todo, desc="colorize", unit="img", disable=len(todo) < 2):
        try:
            rgb = colorize_array(g, read_image(f, "nir"), device)
            write_png(out / names[f], rgb)
            done += 1
        except ImageError as err:  # truncated or corrupt pixel data: only decoding finds it
            fail(f, err.reason)
        except InputTooLarge as err:
            fail(f, str(err))
        except MemoryError:
            fail(f, "not enough memory to colorize an image this large; crop or downscale it")
        except RuntimeError as err:  # torch: out of (GPU) memory and the like
            fail(f, f"the generator failed on it ({str(err).splitlines()[0]})")
        except OSError as exc:
            fail(out / names[f], f"cannot write the output ({exc.strerror or exc})")
    what = f"{meta['variant']} ({meta['phase']}, epoch {meta['epoch']})"
    print(f"colorized {done} of {total} image(s) into {out} with {what}")
    if failed:
        print(
            f"nircolor colorize: {len(failed)} of {total} input(s) failed (listed above); "
            f"the other {done} were written", file=sys.stderr,
        )  # fmt: skip
        return 1
    return 0


# ---------------------------------------------------------------- entry point


def cmd_compare(args: argparse.Namespace) -> int:
    """Per-image tables (CSV: image, psnr, ssim, ae) → floors, intervals, win counts, champion."""
    import pandas as pd

    from nircolor.comparison import compare, differences_markdown, summary_markdown
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
        c = compare(runs, refs, metric=args.metric)
    except (ValueError, KeyError) as err:
        print(f"nircolor compare: {err}", file=sys.stderr)
        return 2
    print(summary_markdown(c, {k: v for k, v in PAPER_AVERAGES.items() if k in runs}))
    print(f"**{c.champion_line}**\n")
    print(differences_markdown(c))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from nircolor.config import SynthConfig

    parser = argparse.ArgumentParser(prog="nircolor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    d = SynthConfig()  # the defaults are the challenge's counts, as in params.yaml's `synth`
    p = sub.add_parser("synth", help="write a SYNTHETIC dataset in the challenge layout")
    p.add_argument("dir")
    p.add_argument("--pairs", type=int, default=d.n_pairs, help=f"registered NIR/RGB pairs ({d.n_pairs})")
    p.add_argument("--unpaired", type=int, default=d.n_unpaired, help=f"RGB-Online images ({d.n_unpaired})")
    p.add_argument("--val", type=int, default=d.n_val, help=f"validation pairs ({d.n_val})")
    p.add_argument("--size", type=int, default=d.size, help=f"image side, a power of two >= 32 ({d.size})")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("validate", help="check a dataset folder; list every problem")
    p.add_argument("dir")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("train", help="validate, pack, train three phases per variant, evaluate")
    p.add_argument("--data", required=True, help="dataset folder in the challenge layout")
    p.add_argument("--out", required=True, help="output folder (checkpoints, tables)")
    p.add_argument("--params", help="params YAML (default: the paper's recipe)")
    p.add_argument("--profile", help="YAML of dotted-key overrides, e.g. profiles/demo.yaml")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set schedule.phase1=10")  # fmt: skip
    p.add_argument("--variant", nargs="+", default=None,
                   help="variants of the params' `variants` (default: all of them)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("colorize", help="colorize NIR images with a trained checkpoint",
                       description="Colorize every usable NIR input; each unusable one is named on its own "
                       "line (good ones are still written) and the exit status is 1.")  # fmt: skip
    p.add_argument("inputs", nargs="+", help="NIR image files or folders")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--checkpoint", required=True, help="a phase checkpoint (.pt)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.set_defaults(func=cmd_colorize)

    p = sub.add_parser("compare", help="floors, paired bootstrap intervals and wins for per-image tables",
                       description="Compare per-image Table I CSVs (columns image, psnr, ssim, ae): averages, "
                       "the gray and lookup floors fit on --data's training pairs, 95%% paired bootstrap "
                       "intervals (10,000 resamples) and win counts. Several --table with one NAME are "
                       "runs (seeds) of one recipe.")  # fmt: skip
    p.add_argument("--table", action="append", required=True, metavar="NAME=CSV")
    p.add_argument("--data", help="the dataset (challenge layout) whose training pairs fit the lookup floor")
    p.add_argument("--metric", default="psnr", choices=["psnr", "ssim", "ae"], help="the champion's metric")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("bench", help="speed of the eager fp32 path vs the fast path, in one run",
                       description="Training and inference throughput of the plain eager fp32 path and the "
                       "fast path (bf16, channels_last, compile, resident data), their ratio, and each "
                       "path's FLOP/s as a fraction of the same run's matmul rate. See docs/benchmarks.md.")  # fmt: skip
    _bench_args(p)
    p.set_defaults(func=cmd_bench)
    return parser


def _bench_args(p: argparse.ArgumentParser) -> None:
    from nircolor.bench import add_arguments

    add_arguments(p)


def cmd_bench(args: argparse.Namespace) -> int:
    from nircolor.bench import main as bench_main

    return bench_main(args)


def main(argv: list[str] | None = None) -> int:
    from nircolor.environment import quiet_environment

    quiet_environment()  # before anything imports albumentations
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\nnircolor: interrupted; finished epochs are kept and a rerun resumes", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
