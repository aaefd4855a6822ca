# session 36: how run 54 (dense_plus, 17.69 dB) answers a gain k on the NIR of the 18 validation pairs, and how RGB
# follows NIR across images in the data. Usage: python probe.py <packed dir> <phase3.pt>
import sys, numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize
torch.set_num_threads(1)
tr, val, _ = load_packed(sys.argv[1]); g, _ = load_generator(sys.argv[2])
nir = np.array(val.nir[:18]).astype(np.float64); rgb = np.array(val.rgb[:18]).astype(np.float64)
def out(k):
    x = torch.from_numpy(np.clip(nir * k, 0, 255)).float().div(255).unsqueeze(1)
    with torch.no_grad():
        y = torch.cat([colorize(g, x[s:s+6]) for s in range(0, 18, 6)])
    return y.double().mean((1, 2, 3)).numpy() * 255
base = out(1.0)
print("val: NIR mean", nir.mean().round(1), "RGB mean", rgb.mean().round(1), "output mean", base.mean().round(1))
for k in (0.8, 0.9, 1.1, 1.2):
    o = out(k); print(f"k={k}: input mean {np.clip(nir*k,0,255).mean():.1f}  output mean {o.mean():.1f}  d(out)/d(in) {(o-base).mean()/ (np.clip(nir*k,0,255).mean()-nir.mean()):.3f}")
tn = np.array(tr.paired.nir).reshape(len(tr.paired.nir), -1).mean(1); tc = np.array(tr.paired.rgb).reshape(len(tr.paired.rgb), -1).mean(1)
print("train across images: slope RGB mean on NIR mean", np.polyfit(tn, tc, 1).round(3), "corr", np.corrcoef(tn, tc)[0,1].round(3))
vn = nir.reshape(18,-1).mean(1); vc = rgb.reshape(18,-1).mean(1)
print("val across images: slope", np.polyfit(vn, vc, 1).round(3), "corr", np.corrcoef(vn, vc)[0,1].round(3))
print("val model across images: slope output-mean on NIR mean", np.polyfit(vn, base, 1).round(3))
print("train: NIR mean", tn.mean().round(1), "RGB mean", tc.mean().round(1), "RGB/NIR", (tc.mean() / tn.mean()).round(3),
      "| val RGB/NIR", (rgb.mean() / nir.mean()).round(3))
