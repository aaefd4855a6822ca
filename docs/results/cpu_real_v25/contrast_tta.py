"""Diagnostic (session 34): NIR-contrast test-time averaging on the 84-epoch dense_plus checkpoints (runs 48-50),
on the 18 validation pairs and 36 training pairs (every 10th): each model's inference rule (EMA, 2x2 phase and
flip average) on the NIR with its contrast scaled by alpha about its mean, and the mean of alpha 0.8, 1, 1.25."""
import sys
import numpy as np, torch
from nircolor.data.packed import load_packed
from nircolor.inference import load_generator, colorize, score_outputs
torch.set_num_threads(2)
pack = sys.argv[1]
named = dict(a.split("=", 1) for a in sys.argv[2:])
train, val, _ = load_packed(pack)
sets = {"val": (val.stems, np.asarray(val.nir), np.asarray(val.rgb)),
        "train36": ([f"t{i}" for i in range(0, 372, 10)][:36], np.asarray(train.paired.nir)[::10][:36], np.asarray(train.paired.rgb)[::10][:36])}
alphas = [0.8, 1.0, 1.25]
def run(g, nir, a):
    ys = []
    for s in range(0, len(nir), 6):
        x = torch.from_numpy(np.array(nir[s:s + 6])).float().div(255.0).unsqueeze(1)
        m = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (a * x + (1 - a) * m).clamp(0, 1)
        ys.append(colorize(g, x).permute(0, 2, 3, 1).numpy())
    return np.concatenate(ys)
def sc(stems, y, rgb):
    img = np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)
    t = score_outputs(stems, img, rgb)
    row = t.iloc[:-1] if str(t.iloc[-1, 0]).lower().startswith("av") else t
    return f"PSNR {row['psnr'].mean():.3f} SSIM {row['ssim'].mean():.4f} AE {row['ae'].mean():.3f}"
with torch.no_grad():
    for name, path in named.items():
        g, meta = load_generator(path)
        for sname, (stems, nir, rgb) in sets.items():
            outs = {a: run(g, nir, a) for a in alphas}
            print(name, sname, "plain     ", sc(stems, outs[1.0], rgb), flush=True)
            for a in (0.8, 1.25):
                print(name, sname, f"alpha {a}", sc(stems, outs[a], rgb), flush=True)
            print(name, sname, "avg3      ", sc(stems, np.mean([outs[a] for a in alphas], 0), rgb), flush=True)
