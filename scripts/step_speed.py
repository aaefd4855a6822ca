"""Seconds per full CycleGAN training step on this machine, for recipe choices (one process, one run).

First the 2048² matmul rate in fp32 and bf16, then each spec: NGF:PRECISION:VARIANT (precision
fp32 or bf16; bf16 also turns on channels_last; an optional 4th field `compile`
turns on train.compile, whose compile time is in the printed warm-up); each variant with its own params.yaml overrides
(dense_plus: the dense networks and its extra loss terms). Random data, paired step, 2 warm-up and 4 timed steps each.
The ratios between specs of one run are what to read.

  python scripts/step_speed.py --threads 1 --size 128 --batch 8 8:fp32:dense 8:bf16:dense
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from nircolor.config import load_config
from nircolor.device import configure_runtime
from nircolor.training.cyclegan import CycleGAN


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("specs", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for dtype in (torch.float32, torch.bfloat16):  # the machine's matmul rate in each precision, this run
        x = torch.randn(2048, 2048, dtype=dtype)
        for _ in range(2):
            x @ x
        t0 = time.perf_counter()
        for _ in range(5):
            x @ x
        rate = 5 * 2 * 2048**3 / (time.perf_counter() - t0) / 1e9
        print(f"matmul {str(dtype).removeprefix('torch.'):8s} threads {a.threads}  {rate:7.0f} GFLOP/s", flush=True)
    params = Path(__file__).resolve().parents[1] / "params.yaml"
    for spec in a.specs:
        ngf, precision, variant, *extra = spec.split(":")
        overrides = {
            "model.ngf": int(ngf), "model.ndf": int(ngf), "model.image_size": a.size,
            "train.precision": precision, "train.channels_last": precision == "bf16",
            "train.compile": extra == ["compile"],
        }  # fmt: skip
        cfg = load_config(params, overrides).for_variant(variant)
        torch.manual_seed(0)
        net = CycleGAN.build(variant, cfg, torch.device("cpu"))
        gen = torch.Generator().manual_seed(0)
        nir = torch.rand(a.batch, 1, a.size, a.size) * 2 - 1
        rgb = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
        configure_runtime(cfg.train, torch.device("cpu"))
        t_first = time.perf_counter()
        for _ in range(2):
            net.train_step(nir, rgb, rgb, "paired", gen)
        warm = time.perf_counter() - t_first
        t0 = time.perf_counter()
        for _ in range(a.steps):
            net.train_step(nir, rgb, rgb, "paired", gen)
        s = (time.perf_counter() - t0) / a.steps
        print(f"{spec:18s} threads {a.threads}  {s:.3f} s/step  {a.batch / s:6.1f} img/s  (warm-up {warm:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
