"""Forward + backward of the generators' transposed convolutions against two exact rewrites (a 3×3
convolution to 4·Cout channels + pixel shuffle; a matmul + F.fold), fp32, 2 threads, one run.

  PYTHONPATH=src python docs/results/cpu_real_v15/s22/deconv_speed.py
"""
import time, torch, torch.nn.functional as F
torch.set_num_threads(2)
def subpixel_weight(w):
    # w: ConvTranspose2d weight (Cin, Cout, 4, 4), stride 2, pad 1 -> Conv2d weight (4*Cout, Cin, 3, 3)
    cin, cout = w.shape[:2]
    out = w.new_zeros(cout, 2, 2, cin, 3, 3)
    # output y = 2i + a ; y = 2*ih - 1 + ky  => ky = y + 1 - 2 ih ; ih = i + d (d in -1,0,1) => ky = a + 1 - 2d
    for a in range(2):
        for b in range(2):
            for dy in (-1, 0, 1):
                ky = a + 1 - 2 * dy
                if not 0 <= ky < 4: continue
                for dx in (-1, 0, 1):
                    kx = b + 1 - 2 * dx
                    if not 0 <= kx < 4: continue
                    out[:, a, b, :, dy + 1, dx + 1] = w[:, :, ky, kx].t()
    return out.reshape(cout * 4, cin, 3, 3)
def sub(x, w, bias):
    cout = w.shape[1]
    y = F.conv2d(x, subpixel_weight(w), bias.repeat_interleave(4) if bias is not None else None, padding=1)
    return F.pixel_shuffle(y, 2)
def mmfold(x, w, bias):
    b, cin, h, wd = x.shape
    cout = w.shape[1]
    cols = torch.matmul(w.reshape(cin, cout * 16).t(), x.reshape(b, cin, h * wd))  # (b, cout*16, hw)
    y = F.fold(cols, (2 * h, 2 * wd), kernel_size=4, stride=2, padding=1)
    return y + bias.view(1, -1, 1, 1)

SHAPES = [(112, 3, 128), (112, 1, 128), (96, 8, 64), (64, 16, 32), (128, 32, 16), (128, 64, 8)]


def bench(f):
    for _ in range(2):
        y = f(); y.square().sum().backward()
    t = time.perf_counter()
    for _ in range(5):
        y = f(); y.square().sum().backward()
    return (time.perf_counter() - t) / 5


for name, alt in (("subpixel", sub), ("mmfold", mmfold)):
    print(f"--- {name}: forward + backward against nn.ConvTranspose2d", flush=True)
    for cin, cout, hw in SHAPES:
        x = torch.randn(4, cin, hw, hw, requires_grad=True)
        m = torch.nn.ConvTranspose2d(cin, cout, 4, 2, 1)
        err = (m(x) - alt(x, m.weight, m.bias)).abs().max().item()
        grads = []
        for f in (m, lambda x: alt(x, m.weight, m.bias)):
            x.grad = None; m.zero_grad(); f(x).square().sum().backward()
            grads.append((x.grad.clone(), m.weight.grad.clone()))
        gx = (grads[0][0] - grads[1][0]).abs().max()
        gw = (grads[0][1] - grads[1][1]).abs().max() / grads[0][1].abs().max()
        t1 = bench(lambda: m(x)); t2 = bench(lambda: alt(x, m.weight, m.bias))
        print(cin, cout, hw, f"deconv {t1*1e3:.1f} ms  {name} {t2*1e3:.1f} ms  x{t1/t2:.2f}  maxerr {err:.1e} gx {gx:.1e} gw(rel) {gw:.1e}", flush=True)
