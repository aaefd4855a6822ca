"""Diagnostic: the crop-and-rescale the models trained on (a 200-px window of the 256-px image,
rescaled to 256 px: 80 % of samples at p 0.8), used at inference: the image colorized as four
overlapping 200-px windows (corners), each enlarged to 256 px (bicubic), colorized by the
checkpoint's rule, brought back to 200 px (area) and averaged where they overlap; scored alone
and averaged with the whole-image rule.

    python docs/results/cpu_real_v10/s12/zoomtta.py <data> name=checkpoint.pt ...  (THREADS=n: torch threads, default 1)
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path[:0] = ["src", "."]
from nircolor.data.layout import load_pairs  # noqa: E402
from nircolor.data.validate import validate_dataset  # noqa: E402
from nircolor.inference import colorize, load_generator, score_outputs  # noqa: E402

torch.set_num_threads(int(__import__("os").environ.get("THREADS", "1")))
data = sys.argv[1]
index = validate_dataset(data, decode=False)
nir, rgb = load_pairs(index.validation)
stems = tuple(q.stem for q in index.validation)
SIDE = 200


def score(o):
    u8 = (o.permute(0, 2, 3, 1) * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()
    row = score_outputs(stems, u8, rgb).iloc[-1]
    return f"{row['psnr']:.2f} / {row['ssim']:.3f} / {row['ae']:.2f}"


@torch.no_grad()
def zoom(g, x):
    n, _, h, w = x.shape
    total = torch.zeros(n, 3, h, w)
    count = torch.zeros(1, 1, h, w)
    for y0 in (0, h - SIDE):
        for x0 in (0, w - SIDE):
            crop = x[..., y0:y0 + SIDE, x0:x0 + SIDE]
            up = F.interpolate(crop, size=(h, w), mode="bicubic", align_corners=False).clamp(0, 1)
            out = F.interpolate(colorize(g, up), size=(SIDE, SIDE), mode="area")
            total[..., y0:y0 + SIDE, x0:x0 + SIDE] += out
            count[..., y0:y0 + SIDE, x0:x0 + SIDE] += 1
    return total / count


x_all = torch.from_numpy(np.asarray(nir)).float().div(255.0)[:, None]
for item in sys.argv[2:]:
    name, path = item.split("=", 1)
    g, meta = load_generator(path)
    base = torch.cat([colorize(g, x_all[i:i + 6]) for i in range(0, len(x_all), 6)])
    z = torch.cat([zoom(g, x_all[i:i + 6]) for i in range(0, len(x_all), 6)])
    print(f"{name} (flip {meta['flip_average']}, phase {meta['phase_average']}): whole image "
          f"{score(base)} | zoomed windows {score(z)} | mean of both {score((base + z) / 2)}", flush=True)
