"""Does the RGB→NIR→RGB cycle carry colour through the fake NIR (CycleGAN steganography)?

For each checkpoint: on the 18 validation pairs, L1 (in [0, 1] units) of
  direct:   G_nir2rgb(real NIR)           against the RGB
  cycle:    G_nir2rgb(G_rgb2nir(RGB))     against the RGB
  cycle+σ:  the same with N(0, σ²) added to the fake NIR (in [-1, 1] units)
and the fake NIR's own L1 against the real NIR. Raw (not EMA) NIR→RGB weights: the ones the cycle trains.
usage: python stego.py DATA name=ckpt ...
"""
import sys
import numpy as np
import torch
from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.inference import load_generator

torch.set_num_threads(1)
index = validate_dataset(sys.argv[1], decode=False)
nir, rgb = load_pairs(list(index.validation))
x_nir = torch.from_numpy(np.asarray(nir)).float().div(255)[:, None] * 2 - 1
x_rgb = torch.from_numpy(np.asarray(rgb)).float().div(255).permute(0, 3, 1, 2) * 2 - 1
print("| model | direct L1 | cycle L1 | cycle, σ 0.01 | σ 0.03 | σ 0.1 | fake NIR L1 vs real |")
print("|---|---:|---:|---:|---:|---:|---:|")
for spec in sys.argv[2:]:
    name, path = spec.split("=", 1)
    g_n2r, _ = load_generator(path, ema=False)
    g_r2n, _ = load_generator(path, direction="g_rgb2nir")
    out = {}
    with torch.no_grad():
        gen = torch.Generator().manual_seed(0)
        d, c, n = [], {s: [] for s in (0, 0.01, 0.03, 0.1)}, []
        for i in range(len(x_nir)):
            a, b = x_nir[i:i + 1], x_rgb[i:i + 1]
            d.append((g_n2r(a) - b).abs().mean().item() / 2)
            f = g_r2n(b)
            n.append((f - a).abs().mean().item() / 2)
            for s in c:
                c[s].append((g_n2r(f + s * torch.randn(f.shape, generator=gen)) - b).abs().mean().item() / 2)
    print(f"| {name} | {np.mean(d):.4f} | " + " | ".join(f"{np.mean(v):.4f}" for v in c.values()) + f" | {np.mean(n):.4f} |", flush=True)
