import sys, numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize
from nircolor.metrics import psnr
torch.set_num_threads(2)
tr, val, _ = load_packed(sys.argv[1]); g, _ = load_generator(sys.argv[2])
def run(nir, rgb, n):
    with torch.no_grad():
        y = torch.cat([colorize(g, torch.from_numpy(np.array(nir[s:min(s+6,n)])).float().div(255).unsqueeze(1)) for s in range(0, n, 6)]).double()
    t = torch.from_numpy(np.array(rgb[:n])).permute(0, 3, 1, 2).double() / 255
    return y, t
for name, nir, rgb, n in (("val", val.nir, val.rgb, 18), ("train", tr.paired.nir, tr.paired.rgb, int(sys.argv[3]))):
    y, t = run(nir, rgb, n)
    d = (t - y).mean((2, 3))
    print(name, n, "mean err (target-output) per channel x255:", (d.mean(0) * 255).numpy().round(2), "sd over images", (d.std(0) * 255).numpy().round(2))
    print("  mean brightness target", (t.mean((0,2,3))*255).numpy().round(1), "output", (y.mean((0,2,3))*255).numpy().round(1), "nir", float(torch.from_numpy(np.array(nir[:n])).double().mean()))
    for c in (0, 4, 8, 12):
        print(f"  +{c}: PSNR {psnr((y + c/255).clamp(0,1), t).mean():.3f}")
