import sys, time
from pathlib import Path
import torch, torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).resolve().parent))
from deconv_fn import Deconv
torch.manual_seed(0)
def timeit(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    ts.sort(); return ts[0], ts[len(ts) // 2]
for cout in (3, 1):
    x = torch.randn(4, 112, 128, 128, requires_grad=True)
    w = (torch.randn(112, cout, 4, 4) * 0.02).requires_grad_()
    b = torch.zeros(cout, requires_grad=True)
    go = torch.randn(4, cout, 256, 256)
    ref = lambda: F.conv_transpose2d(x, w, b, stride=2, padding=1)
    new = lambda: Deconv.apply(x, w, b)
    for rnd in range(2):
        for name, fn in (("onednn", ref), ("matmul", new)):
            with torch.no_grad():
                fwd = timeit(fn, 15)
            def fb():
                x.grad = w.grad = b.grad = None
                fn().backward(go)
            fwdbwd = timeit(fb, 15)
            print(f"cout {cout} {name}: fwd min {fwd[0]*1e3:.1f} med {fwd[1]*1e3:.1f} ms; fwd+bwd min {fwdbwd[0]*1e3:.1f} med {fwdbwd[1]*1e3:.1f} ms", flush=True)
