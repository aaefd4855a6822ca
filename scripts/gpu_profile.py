"""Where a CycleGAN step spends its GPU time: top CUDA kernels of the plain and the fast path.

python scripts/gpu_profile.py --variant dense --batch-size 12 > profile.txt
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from nircolor.config import load_config
from nircolor.device import configure_runtime
from nircolor.training.cyclegan import CycleGAN

FAST = {"train.precision": "bf16", "train.channels_last": True, "train.fused_optim": True}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="dense")
    ap.add_argument("--batch-size", type=int, default=12)
    ap.add_argument("--rows", type=int, default=25)
    args = ap.parse_args()
    dev = torch.device("cuda")
    for name, over in (("eager", {}), ("fast (no compile)", FAST)):
        cfg = load_config(None, {"train.device": "cuda", "train.batch_size": args.batch_size, **over})
        configure_runtime(cfg.train, dev)
        net = CycleGAN.build(args.variant, cfg, dev)
        b = args.batch_size
        nir = torch.rand(b, 1, 256, 256, device=dev) * 2 - 1
        rgb = torch.rand(b, 3, 256, 256, device=dev) * 2 - 1
        gen = torch.Generator().manual_seed(0)
        for _ in range(3):
            net.train_step(nir, rgb, rgb, "paired", gen)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA, ProfilerActivity.CPU]) as prof:
            for _ in range(3):
                net.train_step(nir, rgb, rgb, "paired", gen)
            torch.cuda.synchronize()
        print(f"\n===== {args.variant} {name}, batch {b}, 3 steps")
        print(prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=args.rows,
                                        max_name_column_width=60))
        del net


if __name__ == "__main__":
    main()
