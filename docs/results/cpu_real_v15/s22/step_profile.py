"""Where a dense_plus training step (ngf 8, 256 px, batch 4, fp32, 2 threads, least squares, EMA) spends
its time: torch.profiler over 2 paired steps after 2 warm-up, grouped by input shape.

  PYTHONPATH=src python docs/results/cpu_real_v15/s22/step_profile.py
"""
import time, sys, torch
from pathlib import Path
from nircolor.config import load_config
from nircolor.device import configure_runtime
from nircolor.training.cyclegan import CycleGAN
torch.set_num_threads(2)
ov = {"model.ngf": 8, "model.ndf": 8, "model.image_size": 256, "train.precision": "fp32",
      "train.ema_decay": 0.998, "loss.gan_mode": "lsgan", "train.batch_size": 4}
cfg = load_config(Path(__file__).resolve().parents[4] / "params.yaml", ov).for_variant("dense_plus")
torch.manual_seed(0)
net = CycleGAN.build("dense_plus", cfg, torch.device("cpu"))
print(net.g_nir2rgb)
gen = torch.Generator().manual_seed(0)
nir = torch.rand(4, 1, 256, 256) * 2 - 1
rgb = torch.rand(4, 3, 256, 256) * 2 - 1
configure_runtime(cfg.train, torch.device("cpu"))
for _ in range(2): net.train_step(nir, rgb, rgb, "paired", gen)
from torch.profiler import profile, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
    for _ in range(2): net.train_step(nir, rgb, rgb, "paired", gen)
print(p.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=40, max_name_column_width=30, max_shapes_column_width=90))
