"""Inference cost of run 5's rule against the whole-image mirrored rule, one 256-px image, ratios in one run (interleaved)."""
import sys, time, torch
sys.path[:0] = ["src", "."]
from nircolor.inference import colorize, load_generator
torch.set_num_threads(2)
g, meta = load_generator(sys.argv[1])
x = torch.rand(1, 1, 256, 256)
rules = {"whole, mirrored": (1, 0), "whole, mirrored + 2x2 phases": (2, 0), "tiles/32, mirrored": (1, 32), "run 5 rule (tiles/32 + phases + mirror)": (2, 32)}
best = {k: 1e9 for k in rules}
for rep in range(3):
    for k, (p, s) in rules.items():
        g.phase_average, g.tile_stride = p, s
        t = time.perf_counter(); colorize(g, x); best[k] = min(best[k], time.perf_counter() - t)
base = best["whole, mirrored"]
for k, v in best.items():
    print(f"{meta['variant']} ngf {meta['model'].ngf}: {k}: {v*1000:.0f} ms per 256-px image (×{v/base:.1f})")
