"""If the training pairs' mean error (per channel, measured on the first N training pairs) were added to every
validation output, what would PSNR / SSIM / AE do? Usage: offset_probe.py <packed> N ckpt..."""
import sys, numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize
from nircolor import metrics
torch.set_num_threads(2)
tr, val, _ = load_packed(sys.argv[1]); n = int(sys.argv[2])
def run(g, nir):
    x = torch.from_numpy(nir).float().div(255).unsqueeze(1)
    with torch.no_grad():
        y = torch.cat([colorize(g, x[s:s + 6]) for s in range(0, len(x), 6)]).double().numpy() * 255
    return y.transpose(0, 2, 3, 1) if y.shape[1] == 3 else y
vt = np.array(val.rgb[:18])
for ckpt in sys.argv[3:]:
    g, _ = load_generator(ckpt)
    off = (np.array(tr.paired.rgb[:n]).astype(float) - run(g, np.array(tr.paired.nir[:n]))).mean((0, 1, 2))
    yv = run(g, np.array(val.nir[:18]))
    rows = []
    for o in (np.zeros(3), off):
        out = np.clip(np.round(yv + o), 0, 255).astype(np.uint8)
        m = metrics.evaluate_batch(torch.from_numpy(out).permute(0, 3, 1, 2).double() / 255, torch.from_numpy(vt).permute(0, 3, 1, 2).double() / 255)
        rows.append(np.array([m['psnr'].mean().item(), m['ssim'].mean().item(), m['ae'].mean().item()]))
    print(ckpt, "offset", np.round(off, 2), "before", np.round(rows[0], 3), "after", np.round(rows[1], 3), "delta", np.round(rows[1] - rows[0], 3), flush=True)
