"""Seconds per forward + backward of the dense NIR→RGB generator (ngf 8) in bf16 and fp32, best of 8.

One run, 2 threads; the ratios between rows are what to read (docs/benchmarks.md, 2026-12-01).
  PYTHONPATH=src python docs/results/cpu_real_v6/s8/gen_step_precision.py
"""
import time, torch, sys
from nircolor.models.unet import build_generator
torch.set_num_threads(2)
def run(size, bs, prec, cl, n=8):
    g = build_generator("dense", 1, 3, ngf=8, image_size=size)
    x = torch.randn(bs, 1, size, size)
    if cl: g = g.to(memory_format=torch.channels_last); x = x.contiguous(memory_format=torch.channels_last)
    ts=[]
    for i in range(n+1):
        t=time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=prec=="bf16"):
            y = g(x)
        y.float().mean().backward()
        ts.append(time.perf_counter()-t)
    return min(ts[1:])
for args in [(128,8,"bf16",True),(128,8,"fp32",True),(128,8,"fp32",False),(256,4,"bf16",True),(256,4,"fp32",True),(256,4,"fp32",False)]:
    print(args, round(run(*args),3), flush=True)
