"""The `nircolor` command line: synth, validate, train (end to end), colorize."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def _banner(text: str) -> None:
    print(f"\n== {text} ==", file=sys.stderr, flush=True)


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    """`key.sub=value` pairs; values parse as YAML scalars (so 1e-4, true, [1, 2] work)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"nircolor: --set expects key=value, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


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
    from nircolor.data.layout import DatasetError, validate_dataset

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

    from nircolor.config import PHASES, ConfigError, load_config
    from nircolor.data.layout import DatasetError, validate_dataset
    from nircolor.data.packed import load_packed, pack_dataset
    from nircolor.inference import evaluate_generator, load_generator
    from nircolor.report import side_by_side, to_markdown
    from nircolor.training.trainer import resolve_device, run_phase

    overrides = {}
    if args.profile:  # a profile (profiles/*.yaml: dotted key → value), then --set on top
        overrides.update(yaml.safe_load(Path(args.profile).read_text()) or {})
    overrides.update(_parse_overrides(args.set))
    try:
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
        index, out / "packed", image_size=cfg.model.image_size, limit_pairs=cfg.ingest.limit_pairs,
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
    for variant in args.variant:
        prev = None
        for phase in PHASES:
            _banner(f"{variant} {phase} ({cfg.schedule.count(phase)} epochs)")
            ckpt = out / "checkpoints" / variant / f"{phase}.pt"

            def log_epoch(epoch: int, rec: dict[str, Any]) -> None:
                if not args.quiet:  # tqdm.write keeps the line above the progress bar
                    tqdm.write(
                        f"  epoch {epoch:4d} {rec['mode']:8s} lr {rec['lr']:.2e} "
                        f"G {rec['loss_g']:.3f} pair_rgb {rec['loss_pair_rgb']:.4f} "
                        f"D {rec['loss_d_rgb']:.3f}/{rec['loss_d_nir']:.3f} "
                        f"{rec['images_per_s']:.1f} img/s", file=sys.stderr,
                    )  # fmt: skip

            if _finished(ckpt, cfg, provenance):
                print(f"  {ckpt} is complete for these params and data: kept", file=sys.stderr)
                prev = ckpt
                continue
            result = run_phase(
                phase, variant=variant, cfg=cfg, data=train, out=ckpt, init=prev,
                on_epoch_end=log_epoch, progress=not args.quiet, provenance=provenance,
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


def _collect_inputs(paths: list[str]) -> tuple[list[Path], list[str]]:
    from nircolor.data.io import IMAGE_EXTENSIONS

    files, problems = [], []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTENSIONS)
            if not found:
                problems.append(f"{p}: folder holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            problems.append(f"{p}: no such file or folder")
    return files, problems


def cmd_colorize(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from nircolor.data.io import ImageError, read_image, write_png
    from nircolor.inference import colorize_array, load_generator
    from nircolor.training.checkpoint import CheckpointError
    from nircolor.training.trainer import resolve_device

    files, problems = _collect_inputs(args.inputs)
    images = {}
    for f in files:  # decode everything first: one error lists every bad input, nothing half-written
        try:
            images[f] = read_image(f, "nir")
        except ImageError as err:
            problems.append(str(err))
    if problems:
        print("nircolor colorize: cannot colorize:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    try:
        device = resolve_device(args.device)
        g, meta = load_generator(args.checkpoint, device)
    except (CheckpointError, RuntimeError) as err:
        print(f"nircolor colorize: {err}", file=sys.stderr)
        return 1
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for f, nir in tqdm(images.items(), desc="colorize", unit="img", disable=len(images) < 2):
        name = f.stem.removesuffix("_nir") + "_rgb.png"
        write_png(out / name, colorize_array(g, nir, device))
    print(f"colorized {len(images)} image(s) into {out} with {meta['variant']} ({meta['phase']}, epoch {meta['epoch']})")
    return 0


# ---------------------------------------------------------------- entry point


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
    p.add_argument("--variant", nargs="+", choices=["baseline", "dense"], default=["baseline", "dense"])
    p.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("colorize", help="colorize NIR images with a trained checkpoint")
    p.add_argument("inputs", nargs="+", help="NIR image files or folders")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--checkpoint", required=True, help="a phase checkpoint (.pt)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.set_defaults(func=cmd_colorize)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\nnircolor: interrupted; finished epochs are kept and a rerun resumes", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
