"""The `nircolor` command line: synth, validate, train (end to end), colorize, calibrate, compare, bench."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path



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



# ---------------------------------------------------------------- the bigger commands (nircolor.commands)
# Each is imported only when it runs, so that `nircolor synth` or `validate` never loads torch.


def cmd_train(args: argparse.Namespace) -> int:
    from nircolor.commands.train import cmd_train as run

    return run(args)


def cmd_colorize(args: argparse.Namespace) -> int:
    from nircolor.commands.colorize import cmd_colorize as run

    return run(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from nircolor.commands.calibrate import cmd_calibrate as run

    return run(args)


def cmd_compare(args: argparse.Namespace) -> int:
    from nircolor.commands.compare import cmd_compare as run

    return run(args)


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

    p = sub.add_parser("calibrate", help="choose a checkpoint's saturation scale on its run's held-out pairs",
                       description="Score a checkpoint on the training pairs its run held out (ingest.holdout_pairs, "
                       "packed apart; for a run without them, the pairs ingest.limit_pairs left out, read from --data) "
                       "with each saturation scale (model.chroma_scale) of 0.30, 0.35, ..., 1.00 and print the one "
                       "with the lowest mean AE (--training-pairs N: on N of the pairs it trained on instead); with --output, "
                       "write a copy of the checkpoint that uses it. The validation pairs are not used.")  # fmt: skip
    p.add_argument("--checkpoint", required=True, help="a phase checkpoint (.pt) of a run (held-out pairs, or --training-pairs)")
    p.add_argument("--packed", help="the run's packed folder (default: <run>/packed beside <run>/checkpoints)")
    p.add_argument("--data", help="the dataset the run was trained on (default: the one its pack names)")
    p.add_argument("--training-pairs", type=int, metavar="N",
                   help="fit on a seeded draw of N of the pairs the run trained on instead (what "
                        "evaluate.chroma_fit: train does; for a run that held none out)")
    p.add_argument("-o", "--output", help="write the checkpoint with the chosen scale here (a new file)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("compare", help="floors, paired bootstrap intervals and wins for per-image tables",
                       description="Compare per-image Table I CSVs (columns image, psnr, ssim, ae): averages, "
                       "the gray and lookup floors fit on --data's training pairs, 95%% paired bootstrap "
                       "intervals (10,000 resamples) and win counts. Several --table with one NAME are "
                       "runs (seeds) of one recipe.")  # fmt: skip
    p.add_argument("--table", action="append", required=True, metavar="NAME=CSV")
    p.add_argument("--data", help="the dataset (challenge layout) whose training pairs fit the lookup floor")
    p.add_argument("--metric", default="psnr", choices=["psnr", "ssim", "ae"], help="the champion's metric")
    p.add_argument("--paper", action="append", choices=["dense", "baseline"], metavar="ROW",
                   help="also set every model against this row of the paper's Table I (dense or baseline; "
                   "repeatable): mean − the paper's average with a bootstrap interval, and whether it "
                   "reaches it")  # fmt: skip
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("bench", help="speed of the eager fp32 path vs the fast path, in one run",
                       description="Training and inference throughput of the plain eager fp32 path and the "
                       "fast path (bf16, channels_last, compile, resident data), their ratio, and each "
                       "path's FLOP/s as a fraction of the same run's matmul rate. See docs/benchmarks.md.")  # fmt: skip
    _bench_args(p)
    p.set_defaults(func=cmd_bench)
    return parser


def _bench_args(p: argparse.ArgumentParser) -> None:
    from nircolor.bench_report import add_arguments

    add_arguments(p)


def cmd_bench(args: argparse.Namespace) -> int:
    from nircolor.bench_report import main as bench_main

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
