"""Exploratory, held-out pairs only (no validation pair): does averaging the inference rule's output over input
scales (the NIR resized by f, colorized by the rule, the output resized back) help? v32 runs 82-85, final.pt."""
import sys, numpy as np, torch, torch.nn.functional as F
from nircolor.data.packed import load_heldout
from nircolor.inference import colorize, load_generator, score_outputs
torch.set_num_threads(1)
def rule_at(g, x, f):
    if f == 1.0: return colorize(g, x)
    h, w = x.shape[-2:]; H, W = int(round(h * f / 8) * 8), int(round(w * f / 8) * 8)
    xs = F.interpolate(x, size=(H, W), mode="bilinear", align_corners=False, antialias=f < 1)
    y = colorize(g, xs)
    return F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False, antialias=f > 1).clamp(0, 1)
def score(y, pairs):
    im = (y * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    a = score_outputs(pairs.stems, im, np.asarray(pairs.rgb)).iloc[-1]; return f"{a.psnr:.3f}/{a.ssim:.4f}/{a.ae:.3f}"
for run in sys.argv[1:]:
    g, meta = load_generator(f"{run}/checkpoints/dense_plus/final.pt")
    pairs = load_heldout(f"{run}/packed")
    x = torch.from_numpy(np.asarray(pairs.nir)).float().div(255).unsqueeze(1)
    Y = {f: torch.cat([rule_at(g, x[i:i+6], f) for i in range(0, len(x), 6)]) for f in (0.75, 0.875, 1.0, 1.125, 1.25)}
    print(run, {f: score(y, pairs) for f, y in Y.items()},
          "avg .875/1/1.125", score((Y[0.875] + Y[1.0] + Y[1.125]) / 3, pairs),
          "avg 1/1.125", score((Y[1.0] + Y[1.125]) / 2, pairs), "avg .875/1", score((Y[0.875] + Y[1.0]) / 2, pairs), flush=True)
