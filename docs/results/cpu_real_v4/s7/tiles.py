"""Session 7 diagnostic: a checkpoint trained on crops, colorized whole at 256 px or as tiles of its
training size (inference.tiled_translate under the mirrored pass) at several strides.

  python docs/results/cpu_real_v4/s7/tiles.py [DATA] name=checkpoint ...
"""
import sys

import torch

sys.path[:0] = ["src", "."]
from nircolor.data.layout import load_pairs  # noqa: E402
from nircolor.data.validate import validate_dataset  # noqa: E402
from nircolor.inference import colorize, load_generator, score_outputs  # noqa: E402

data = sys.argv.pop(1) if len(sys.argv) > 1 and "=" not in sys.argv[1] else "../shared/data/vcip2020"
index = validate_dataset(data, decode=False)
nir, rgb = load_pairs(index.validation)
stems = tuple(q.stem for q in index.validation)
x = torch.from_numpy(nir).float().div(255)[:, None]
for item in sys.argv[1:]:
    name, path = item.split("=")
    g, meta = load_generator(path)
    g.phase_average = 1
    for stride in (0, 64, 32, 16):  # 0 = the whole image
        g.tile_stride = stride
        out = torch.cat([colorize(g, x[i:i + 1]) for i in range(len(x))])
        t = score_outputs(stems, (out.permute(0, 2, 3, 1) * 255).round().to(torch.uint8).numpy(), rgb).iloc[-1]
        what = f"{g.tile_size}-px tiles every {stride} px" if stride else "whole image"
        print(f"{name} ({meta['variant']}), mirrored, {what}: {t['psnr']:.2f} / {t['ssim']:.3f} / {t['ae']:.2f}", flush=True)
