"""Diagnostic: is a model's per-image mean-colour error brightness or hue, and is it one bias?

For each checkpoint (scored by its own inference rule, whole 256-px image): the per-image error of
the output's mean RGB against the validation RGB's, split into a gray part (the mean over the
three channels) and the rest (chroma); their RMS over the 18 images, the mean error over images
(a bias shared by the scenes) and the scores with only one part of the mean error put right
(oracles: they use the validation RGB).

    python docs/results/cpu_real_v9/s11/meanbias.py <data> name=checkpoint.pt ...
"""
import sys

import numpy as np

sys.path[:0] = ["src", "."]
from nircolor.data.layout import load_pairs  # noqa: E402
from nircolor.data.validate import validate_dataset  # noqa: E402
from nircolor.inference import colorize_array, load_generator, score_outputs  # noqa: E402

data = sys.argv[1]
index = validate_dataset(data, decode=False)
nir, rgb = load_pairs(index.validation)
stems = tuple(q.stem for q in index.validation)
t = rgb.astype(np.float64)


def score(o):
    row = score_outputs(stems, np.clip(np.rint(o), 0, 255).astype(np.uint8), rgb).iloc[-1]
    return f"{row['psnr']:.2f} / {row['ssim']:.3f} / {row['ae']:.2f}"


for item in sys.argv[2:]:
    name, path = item.split("=", 1)
    g, _ = load_generator(path)
    o = np.stack([colorize_array(g, n) for n in nir]).astype(np.float64)
    err = o.mean(axis=(1, 2)) - t.mean(axis=(1, 2))  # (18, 3): output mean − true mean
    gray = err.mean(axis=1, keepdims=True)
    chroma = err - gray
    rms = lambda a: float(np.sqrt((a ** 2).mean()))  # noqa: E731
    print(f"{name}: mean-colour error RMS {rms(err):.1f} (8-bit levels per channel): gray part "
          f"{rms(gray):.1f}, chroma part {rms(chroma):.1f}; mean over images (bias) "
          f"{np.array2string(err.mean(axis=0), precision=1)}")
    print(f"  as is {score(o)} | gray part put right {score(o - gray[:, None, None, :])} | "
          f"chroma part put right {score(o - chroma[:, None, None, :])} | "
          f"bias removed {score(o - err.mean(axis=0))}")
