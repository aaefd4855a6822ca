"""Session 36: where the validation outputs' darkness sits. Per image, the mean error (target - output, over R, G, B,
in levels of 255) against the target's own mean brightness, for the 18 validation pairs and the first 96 training
pairs: if the model pulls every scene's brightness towards the training average, the error grows with the target's
brightness. Usage: python dark.py <packed dir> <phase3.pt> [<phase3.pt> ...]"""
import sys, numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize
torch.set_num_threads(2)
tr, val, _ = load_packed(sys.argv[1])
sets = (("val", np.array(val.nir[:18]), np.array(val.rgb[:18])), ("train96", np.array(tr.paired.nir[:96]), np.array(tr.paired.rgb[:96])))
for ckpt in sys.argv[2:]:
    g, _ = load_generator(ckpt); print("==", ckpt)
    for name, nir, rgb in sets:
        x = torch.from_numpy(nir).float().div(255).unsqueeze(1)
        with torch.no_grad():
            y = torch.cat([colorize(g, x[s:s + 6]) for s in range(0, len(x), 6)]).double().mean((1, 2, 3)).numpy() * 255
        t = rgb.reshape(len(rgb), -1).mean(1); err = t - y
        slope, icpt = np.polyfit(t, err, 1)
        hi = t > np.median(t)
        print(f"  {name}: mean err {err.mean():+.1f}; err on target mean: slope {slope:+.3f}, corr {np.corrcoef(t, err)[0, 1]:+.2f}; "
              f"output on target: slope {np.polyfit(t, y, 1)[0]:.3f}; brighter half {err[hi].mean():+.1f}, darker half {err[~hi].mean():+.1f}")
