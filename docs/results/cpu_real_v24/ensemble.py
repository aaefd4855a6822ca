"""Diagnostic: what averaging the outputs of several dense_plus generators gives on the 18
validation pairs (each with its own inference rule: EMA, 2x2 phase and flip average), scored as
`nircolor evaluate` scores one model (8-bit outputs, Table I metrics)."""
import itertools, sys
import numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize, score_outputs

torch.set_num_threads(2)
pack = sys.argv[1]
named = dict(a.split("=", 1) for a in sys.argv[2:])
_, val, _ = load_packed(pack)
outs = {}
with torch.no_grad():
    for name, path in named.items():
        g, meta = load_generator(path)
        ys = []
        for s in range(0, len(val), 6):
            x = torch.from_numpy(np.array(val.nir[s:s + 6])).float().div(255.0).unsqueeze(1)
            ys.append(colorize(g, x).permute(0, 2, 3, 1).numpy())
        outs[name] = np.concatenate(ys)
def score(keys):
    y = np.mean([outs[k] for k in keys], axis=0)
    img = np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)
    t = score_outputs(val.stems, img, np.asarray(val.rgb))
    return t
for r in range(1, len(named) + 1):
    for keys in itertools.combinations(named, r):
        t = score(keys)
        row = t.iloc[:-1] if str(t.iloc[-1, 0]).lower().startswith("av") else t
        print(f"{'+'.join(keys):40s} PSNR {row['psnr'].mean():.2f}  SSIM {row['ssim'].mean():.3f}  AE {row['ae'].mean():.2f}", flush=True)
        if len(sys.argv) and r > 1:
            t.to_csv(f"/work/s33/ens_{'+'.join(keys)}.csv", index=False)
