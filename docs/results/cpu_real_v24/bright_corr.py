"""Does the model's brightness error grow with the scene's NIR level? Per image: NIR mean, and the
mean error (target - output) of run 48 and of lookup, over the 18 validation pairs and 96 training pairs."""
import sys, numpy as np, torch
from nircolor.data.packed import load_packed, load_lookup
from nircolor.inference import load_generator, colorize
torch.set_num_threads(1)
tr, val, _ = load_packed(sys.argv[1]); lut = load_lookup(sys.argv[1]); g, _ = load_generator(sys.argv[2])
for name, p, n in (("val", val, 18), ("train", tr.paired, 96)):
    nir = np.asarray(p.nir[:n]); rgb = np.asarray(p.rgb[:n]).astype(np.float64)
    with torch.no_grad():
        y = torch.cat([colorize(g, torch.from_numpy(np.array(nir[s:s+6])).float().div(255).unsqueeze(1)) for s in range(0, n, 6)])
    y = y.permute(0, 2, 3, 1).double().numpy() * 255
    e_m = (rgb - y).mean(axis=(1, 2, 3)); e_l = (rgb - lut[nir]).mean(axis=(1, 2, 3)); m = nir.reshape(n, -1).mean(1)
    slope = lambda e: np.polyfit(m, e, 1)[0]
    print(f"{name} ({n}): corr(NIR mean, model error) {np.corrcoef(m, e_m)[0,1]:+.2f}, slope {slope(e_m):+.3f}/level; "
          f"corr(NIR mean, lookup error) {np.corrcoef(m, e_l)[0,1]:+.2f}, slope {slope(e_l):+.3f}/level; "
          f"model - lookup output mean {np.mean(e_l - e_m):+.2f} (corr with NIR mean {np.corrcoef(m, e_l - e_m)[0,1]:+.2f})")
