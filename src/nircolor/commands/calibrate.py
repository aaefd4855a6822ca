"""`nircolor calibrate`: choose a checkpoint's saturation scale on the training pairs its run held out, or on a
seeded draw of those it trained on (`--training-pairs N`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_calibrate(args: argparse.Namespace) -> int:
    from nircolor.calibrate import (NoHeldOutPairs, describe_pairs, fit_chroma_scale, heldout_pairs, read_manifest,
                                    training_draw, write_calibrated)
    from nircolor.data.layout import DatasetError
    from nircolor.data.packed import load_heldout
    from nircolor.data.validate import validate_dataset
    from nircolor.inference import load_generator
    from nircolor.training.checkpoint import CheckpointError, load_checkpoint

    ckpt = Path(args.checkpoint)
    out = Path(args.output) if args.output else None
    if out is not None and out.resolve() == ckpt.resolve():
        print(f"nircolor calibrate: --output {out} is the checkpoint itself; write the calibrated copy to a new "
              "file (the trained checkpoint stays as it is)", file=sys.stderr)  # fmt: skip
        return 1
    packed = Path(args.packed) if args.packed else ckpt.resolve().parents[2] / "packed"
    try:
        state = load_checkpoint(ckpt)
        manifest = read_manifest(packed)
    except (CheckpointError, FileNotFoundError) as err:
        print(f"nircolor calibrate: {err}", file=sys.stderr)
        return 1
    if state.get("provenance", {}).get("data_sha256") not in (None, manifest.get("sha256")):
        print(f"nircolor calibrate: {ckpt} was trained on another pack than {packed} (data_sha256 differs); "
              "name its run's `packed` folder with --packed", file=sys.stderr)  # fmt: skip
        return 1
    if args.training_pairs is not None and args.training_pairs < 1:
        print(f"nircolor calibrate: --training-pairs {args.training_pairs}: give 1 or more", file=sys.stderr)
        return 1
    fit_on = "train" if args.training_pairs else "heldout"
    try:  # ingest.holdout_pairs: packed apart by the run itself; or the pairs it trained on
        pairs = training_draw(packed, args.training_pairs) if args.training_pairs else load_heldout(packed)
    except (ValueError, FileNotFoundError) as err:
        print(f"nircolor calibrate: {err}", file=sys.stderr)
        return 1
    if not len(pairs):  # a run that held none out that way: the pairs ingest.limit_pairs left out, from the dataset
        data = Path(args.data or manifest["root"])
        try:
            index = validate_dataset(data)
        except DatasetError as err:
            print(str(err), file=sys.stderr)
            return 1
        unknown = sorted(set(manifest["train_stems"]) - {p.stem for p in index.pairs})
        if unknown:
            print(f"nircolor calibrate: {data} lacks {len(unknown)} of the pack's training pairs (first: {unknown[0]}); "
                  "is it the dataset the run was trained on?", file=sys.stderr)  # fmt: skip
            return 1
        try:
            pairs = heldout_pairs(index, manifest)
        except NoHeldOutPairs as err:
            print(f"nircolor calibrate: {err}", file=sys.stderr)
            return 1

    g, meta = load_generator(ckpt)
    which = describe_pairs(len(pairs), fit_on)
    print(f"{meta['variant']} ({ckpt}): {which}, scale now {meta['chroma_scale']:g}", file=sys.stderr)
    scale, table = fit_chroma_scale(g, pairs)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"chroma_scale {scale:g} (lowest mean AE on {which})")
    if out is not None:
        write_calibrated(state, out, scale, table, pairs.stems, ckpt, fit_on)
        print(f"wrote {out}: the checkpoint with model.chroma_scale {scale:g}")
    return 0
