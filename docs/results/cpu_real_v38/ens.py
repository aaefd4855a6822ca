"""Does averaging two generators' outputs raise PSNR? (a) across seeds (v32 runs 82-85, final.pt), (b) within a run
(phase2.pt EMA + final/phase3 EMA: a snapshot ensemble that costs no training)."""
import itertools, sys, numpy as np, torch
from nircolor.data.layout import load_pairs
from nircolor.data.packed import PairArrays
from nircolor.data.validate import validate_dataset
from nircolor.inference import colorize, load_generator, score_outputs
torch.set_num_threads(2)
index = validate_dataset(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/vcip2020", decode=False)
nir, rgb = load_pairs(index.validation)
stems = tuple(q.stem for q in index.validation)
x = torch.from_numpy(np.array(nir)).float().div(255.0).unsqueeze(1)
def out(path, **kw):
    g, meta = load_generator(path)
    for k, v in kw.items(): setattr(g, k, v)
    ys = [colorize(g, x[i:i+6]) for i in range(0, len(x), 6)]
    return torch.cat(ys), meta
def score(y):
    im = (y * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    t = score_outputs(stems, im, rgb); a = t.iloc[-1]; return float(a.psnr), float(a.ssim), float(a.ae)
runs = {82: "/work/s44/plus_starts_seed0", 83: "/work/s44/plus_starts_seed2", 84: "/work/s45/plus_starts_seed4", 85: "/work/s45/plus_starts_seed6"}
Y = {}
for r, root in runs.items():
    Y[r], meta = out(f"{root}/checkpoints/dense_plus/final.pt")
    print(r, meta["epoch"], meta["chroma_scale"], "%.3f %.4f %.3f" % score(Y[r]), flush=True)
for a, b in itertools.combinations(runs, 2):
    s = score((Y[a] + Y[b]) / 2); m = [(np.array(score(Y[a])) + np.array(score(Y[b]))) / 2]
    print(f"seeds {a}+{b}: ens %.3f %.4f %.3f  mean-of-two %.3f %.4f %.3f" % (*s, *m[0]), flush=True)
print("all four: %.3f %.4f %.3f" % score(sum(Y.values()) / 4))
for r, root in runs.items():
    y2, meta = out(f"{root}/checkpoints/dense_plus/phase2.pt", chroma_scale=Y and load_generator(f"{root}/checkpoints/dense_plus/final.pt")[1]["chroma_scale"])
    print(f"run {r}: phase2 (epoch {meta['epoch']}) %.3f %.4f %.3f" % score(y2), " phase2+final %.3f %.4f %.3f" % score((y2 + Y[r]) / 2), flush=True)
