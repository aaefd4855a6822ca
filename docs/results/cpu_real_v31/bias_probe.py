"""Where the training-pair darkness comes from: mean and median of (target - output) per channel, in levels of 255."""
import sys, numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize
torch.set_num_threads(2)
tr, val, _ = load_packed(sys.argv[1])
n = int(sys.argv[2])
for ckpt in sys.argv[3:]:
    g, _ = load_generator(ckpt); print("==", ckpt)
    for name, nir, rgb in (("train", np.array(tr.paired.nir[:n]), np.array(tr.paired.rgb[:n])), ("val", np.array(val.nir[:18]), np.array(val.rgb[:18]))):
        x = torch.from_numpy(nir).float().div(255).unsqueeze(1)
        with torch.no_grad():
            y = torch.cat([colorize(g, x[s:s + 6]) for s in range(0, len(x), 6)]).double().numpy() * 255
        t = rgb.astype(np.float64)
        if y.shape[1] == 3: y = y.transpose(0, 2, 3, 1)
        e = t - y
        print(f"  {name}: mean err per channel {np.round(e.mean((0,1,2)),2)}, median err {np.round(np.median(e.reshape(-1,3),0),2)}; "
              f"target mean {t.mean():.1f}, output mean {y.mean():.1f}; target median {np.median(t):.1f} output median {np.median(y):.1f}; "
              f"output max {y.max():.1f} frac target>=250 {np.mean(t>=250):.4f} frac output>=250 {np.mean(y>=250):.4f}")
