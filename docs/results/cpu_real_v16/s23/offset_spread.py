"""How much the `model.global_colour` offset varies from image to image, per output channel.

For each checkpoint (EMA weights, as inference loads them), the offset the generator adds before
its Tanh (a 1×1 conv of the bottleneck averaged over space) on each of the 18 validation NIR
images at 256 px: its mean and standard deviation over the images, per channel, in Tanh units
(1 unit ≈ 127 levels near 0).
usage: PYTHONPATH=src:. python offset_spread.py DATA name=ckpt.pt ...
"""
import sys

import torch

from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.inference import load_generator

torch.set_num_threads(1)
nir, _ = load_pairs(validate_dataset(sys.argv[1], decode=False).validation)
x = torch.from_numpy(nir).float().div(127.5).sub(1)[:, None]  # (18, 1, 256, 256) in [-1, 1]
print("| checkpoint | offset mean R / G / B | offset std over images R / G / B |")
print("|---|---|---|")
for spec in sys.argv[2:]:
    name, path = spec.split("=", 1)
    g, _ = load_generator(path)
    with torch.no_grad():
        z = x
        for down in g.downs:
            z = down(z)
        off = g.global_colour(z.mean(dim=(-2, -1), keepdim=True))[:, :, 0, 0]  # (18, 3)
    fmt = lambda v: " / ".join(f"{t:+.3f}" for t in v.tolist())  # noqa: E731
    print(f"| {name} | {fmt(off.mean(0))} | {fmt(off.std(0))} |")
