"""Diagnostic: how much of a model's error is each image's mean colour / per-channel gain?"""
import sys, numpy as np, torch
sys.path[:0] = ["src", "."]
from nircolor.data.layout import load_pairs
from nircolor.data.validate import validate_dataset
from nircolor.inference import load_generator, set_rule, colorize_array, score_outputs
from nircolor.config import ModelConfig
data = sys.argv.pop(1) if len(sys.argv) > 1 and "=" not in sys.argv[1] else "../shared/data/vcip2020"
index = validate_dataset(data, decode=False)
nir, rgb = load_pairs(index.validation)
stems = tuple(q.stem for q in index.validation)
def fixes(out):
    o = out.astype(np.float64); t = rgb.astype(np.float64)
    mean = o - o.mean(axis=(1, 2), keepdims=True) + t.mean(axis=(1, 2), keepdims=True)
    gain = o * (t.mean(axis=(1, 2), keepdims=True) / np.maximum(o.mean(axis=(1, 2), keepdims=True), 1e-6))
    aff = np.empty_like(o)
    for i in range(len(o)):
        for c in range(3):
            a, b = np.polyfit(o[i, ..., c].ravel(), t[i, ..., c].ravel(), 1); aff[i, ..., c] = a * o[i, ..., c] + b
    return {k: np.clip(np.rint(v), 0, 255).astype(np.uint8) for k, v in dict(asis=o, mean=mean, gain=gain, affine=aff).items()}
for item in sys.argv[1:]:
    name, path = item.split("=")
    g, meta = load_generator(path)
    set_rule(g, ModelConfig.model_validate({**meta["model"].model_dump(), "phase_average": 2}))
    out = np.stack([colorize_array(g, n) for n in nir])  # the 2×2 phase average, whole image
    for k, v in fixes(out).items():
        t = score_outputs(stems, v, rgb).iloc[-1]
        print(f"{name:12s} {k:7s} {t['psnr']:.2f} / {t['ssim']:.3f} / {t['ae']:.2f}", flush=True)
