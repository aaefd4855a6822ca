"""Dense generator (ngf 8, 256 px, batch 4, fp32, 2 threads): forward + backward, best of 6 after a
warm-up, with the project's matmul upsampling and with F.interpolate swapped in, then the matmul
form again. One run; compare with session 8's 0.148 s on this chip
(docs/results/cpu_real_v6/s8/gen_step_precision.py).

  PYTHONPATH=src python docs/results/cpu_real_v15/s22/gen_step.py
"""
import time

import torch
import torch.nn.functional as F

import nircolor.models.unet as unet

torch.set_num_threads(2)


def best(g, x):
    ts = []
    for _ in range(7):
        t = time.perf_counter()
        g(x).mean().backward()
        ts.append(time.perf_counter() - t)
    return min(ts[1:])


g = unet.build_generator("dense", 1, 3, ngf=8, image_size=256)
x = torch.randn(4, 1, 256, 256)
matmul = unet.upsample_bilinear
print(f"matmul upsampling        {best(g, x):.3f} s")
unet.upsample_bilinear = lambda t, size: F.interpolate(t, size=tuple(size), mode="bilinear", align_corners=False)
print(f"F.interpolate            {best(g, x):.3f} s")
unet.upsample_bilinear = matmul
print(f"matmul upsampling again  {best(g, x):.3f} s")
