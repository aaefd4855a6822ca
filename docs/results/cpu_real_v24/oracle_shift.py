import sys, numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize
from nircolor.metrics import psnr
_, val, _ = load_packed(sys.argv[1]); g, _ = load_generator(sys.argv[2])
with torch.no_grad():
    y = torch.cat([colorize(g, torch.from_numpy(np.array(val.nir[s:s+6])).float().div(255).unsqueeze(1)) for s in range(0, 18, 6)])
t = torch.from_numpy(np.array(val.rgb)).permute(0, 3, 1, 2).double() / 255
y = y.double()
p0 = psnr(y, t)
shift = (t.mean((2, 3), keepdim=True) - y.mean((2, 3), keepdim=True))
p1 = psnr((y + shift).clamp(0, 1), t)
lum = (t.mean((1, 2, 3), keepdim=True) - y.mean((1, 2, 3), keepdim=True))
p2 = psnr((y + lum).clamp(0, 1), t)
for i, s in enumerate(val.stems):
    print(f"{s:12s} {p0[i]:.2f} gray-shift {p2[i]:.2f} rgb-shift {p1[i]:.2f}  mean-err {[round(float(v)*255,1) for v in shift[i].flatten()]}")
print("avg", p0.mean().item(), p2.mean().item(), p1.mean().item())
