"""Score trained checkpoints on the validation pairs under a changed inference rule, without
retraining: the rule's switches (`model.flip_average`, `model.phase_average`, `model.tile_stride`)
are read from each checkpoint and may be overridden here, and `--weights live` scores the
generator's live training weights instead of its EMA. Writes one Table I CSV per checkpoint (the
layout `evaluate` writes, per-image rows and the average), for `nircolor compare --table name=CSV`.

  python scripts/rescore.py --phase-average 2 --out DIR ../shared/data/vcip2020 dense=ckpt.pt ...

Scores are taken at 256 px (native) against the untouched RGB, by `inference.evaluate_generator`,
so they are what `evaluate` and `nircolor colorize` give for a checkpoint trained with the same
switches.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.config import ModelConfig
from nircolor.inference import evaluate_generator, load_generator, set_rule


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="dataset folder in the challenge layout (its Validation/ pairs are scored)")
    p.add_argument("checkpoints", nargs="+", metavar="NAME=CHECKPOINT")
    p.add_argument("--out", required=True, type=Path, help="folder for eval_<NAME>.csv")
    p.add_argument("--phase-average", type=int, default=None, metavar="N",
                   help="override model.phase_average (N×N grid of 1-px translations; 1 = off)")
    p.add_argument("--tile-stride", type=int, default=None, metavar="S",
                   help="override model.tile_stride (tiles of the training size every S px; 0 = whole image)")
    p.add_argument("--flip-average", choices=("on", "off"), default=None, help="override model.flip_average")
    p.add_argument("--weights", choices=("ema", "live"), default="ema",
                   help="the NIR→RGB generator's EMA weights where the checkpoint keeps them (what every "
                        "inference path loads; default), or its live training weights: what the same "
                        "recipe with train.ema_decay 0 trains, since the EMA changes no training step")
    args = p.parse_args(argv)
    override = {} if args.phase_average is None else {"phase_average": args.phase_average}
    if args.tile_stride is not None:
        override["tile_stride"] = args.tile_stride
    if args.flip_average is not None:
        override["flip_average"] = args.flip_average == "on"
    pairs = []
    for item in args.checkpoints:
        name, sep, path = item.partition("=")
        if not sep or not name or not Path(path).is_file():
            p.error(f"{item!r}: expected NAME=CHECKPOINT with an existing checkpoint file")
        pairs.append((name, path))
    index = validate_dataset(args.data, decode=False)
    nir, rgb = load_pairs(index.validation)
    val = PairArrays(nir, rgb, tuple(q.stem for q in index.validation))
    torch.set_num_threads(max(1, torch.get_num_threads()))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, path in pairs:
        g, meta = load_generator(path, ema=args.weights == "ema")
        try:  # the override is checked as the config checks it (ranges, stride ≤ tile)
            set_rule(g, ModelConfig.model_validate({**meta["model"].model_dump(), **override}))
        except ValueError as err:
            p.error(f"the override does not fit model config: {err}")
        table, _ = evaluate_generator(g, val)
        target = args.out / f"eval_{name}.csv"
        target.write_text(table.to_csv(index=False))
        avg = table.iloc[-1]
        print(f"{name}: {meta['variant']} trained at {meta['trained_px']} px (scale {meta['scale']:g}), scored at "
              f"{val.nir.shape[1]} px, {'EMA' if meta['ema'] else 'live'} weights, mirrored "
              f"{'on' if g.flip_average else 'off'}, phase average {g.phase_average}×{g.phase_average}, "
              f"{f'{g.tile_size}-px tiles every {g.tile_stride} px' if g.tile_stride else 'whole image'}: "
              f"{avg['psnr']:.2f} / {avg['ssim']:.3f} / {avg['ae']:.2f} → {target}")


if __name__ == "__main__":
    main()
