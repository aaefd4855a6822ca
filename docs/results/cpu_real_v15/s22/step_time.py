"""Seconds per training step of one variant at the run 31/32 recipe (ngf 8, 256 px, batch 4, fp32,
least squares, EMA), paired and unpaired, mean of 4 after 2 warm-up, 2 threads; then torch.profiler's
op table over paired steps: 3 steps by op, or with --by-shape 2 steps by op and input shape.

  PYTHONPATH=src python docs/results/cpu_real_v15/s22/step_time.py dense_plus
  PYTHONPATH=src python docs/results/cpu_real_v15/s22/step_time.py dense_plus --by-shape
"""
import sys
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from nircolor.config import load_config
from nircolor.device import configure_runtime
from nircolor.training.cyclegan import CycleGAN

torch.set_num_threads(2)
variant = next((a for a in sys.argv[1:] if not a.startswith("--")), "dense_plus")
by_shape = "--by-shape" in sys.argv
ov = {"model.ngf": 8, "model.ndf": 8, "model.image_size": 256, "train.precision": "fp32",
      "train.ema_decay": 0.998, "loss.gan_mode": "lsgan", "train.batch_size": 4}
cfg = load_config(Path(__file__).resolve().parents[4] / "params.yaml", ov).for_variant(variant)
torch.manual_seed(0)
net = CycleGAN.build(variant, cfg, torch.device("cpu"))
gen = torch.Generator().manual_seed(0)
nir = torch.rand(4, 1, 256, 256) * 2 - 1
rgb = torch.rand(4, 3, 256, 256) * 2 - 1
configure_runtime(cfg.train, torch.device("cpu"))
for mode in ("paired", "unpaired"):
    for _ in range(2):
        net.train_step(nir, rgb, rgb, mode, gen)
    t0 = time.perf_counter()
    for _ in range(4):
        net.train_step(nir, rgb, rgb, mode, gen)
    print(variant, mode, (time.perf_counter() - t0) / 4, "s/step", flush=True)
with profile(activities=[ProfilerActivity.CPU], record_shapes=by_shape) as p:
    for _ in range(2 if by_shape else 3):
        net.train_step(nir, rgb, rgb, "paired", gen)
table = p.key_averages(group_by_input_shape=by_shape)
print(table.table(sort_by="self_cpu_time_total", row_limit=40 if by_shape else 30,
                  max_name_column_width=30 if by_shape else None, max_shapes_column_width=90))
