"""A stride-2, 4×4, padding-1 transposed convolution as one matmul to a (Cout·16)-row column
buffer and 16 strided adds, with its backward written out (two matmuls and 16 strided reads);
run directly it checks it against F.conv_transpose2d (session 26; timings: deconv_bench.py)."""
import torch
import torch.nn.functional as F

class Deconv(torch.autograd.Function):
    """conv_transpose2d(k=4, s=2, p=1) as one matmul + 16 strided adds; backward explicit."""
    @staticmethod
    def forward(ctx, x, w, b):
        n, cin, h, wd = x.shape
        cout = w.shape[1]
        wr = w.reshape(cin, cout * 16)            # (Cin, Cout*16)
        cols = torch.matmul(wr.t(), x.reshape(n, cin, h * wd))  # (N, Cout*16, HW)
        cols = cols.view(n, cout, 4, 4, h, wd)
        # padded output (N, Cout, 2H+2, 2W+2), output pixel y = 2i - 1 + ky -> padded index 2i + ky
        out = x.new_zeros(n, cout, 2 * h + 2, 2 * wd + 2)
        for ky in range(4):
            for kx in range(4):
                out[:, :, ky:ky + 2 * h:2, kx:kx + 2 * wd:2] += cols[:, :, ky, kx]
        out = out[:, :, 1:-1, 1:-1]
        if b is not None:
            out = out + b.view(1, -1, 1, 1)
        ctx.save_for_backward(x, w)
        ctx.has_b = b is not None
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        n, cin, h, wd = x.shape
        cout = w.shape[1]
        gp = F.pad(g, (1, 1, 1, 1))
        dcols = torch.empty(n, cout, 4, 4, h, wd, dtype=g.dtype)
        for ky in range(4):
            for kx in range(4):
                dcols[:, :, ky, kx] = gp[:, :, ky:ky + 2 * h:2, kx:kx + 2 * wd:2]
        dcols = dcols.view(n, cout * 16, h * wd)
        wr = w.reshape(cin, cout * 16)
        dx = torch.matmul(wr, dcols).view(n, cin, h, wd) if ctx.needs_input_grad[0] else None
        dw = None
        if ctx.needs_input_grad[1]:
            dw = torch.matmul(x.reshape(n, cin, h * wd), dcols.transpose(1, 2)).sum(0).view_as(w)
        db = g.sum((0, 2, 3)) if ctx.has_b else None
        return dx, dw, db


if __name__ == "__main__":
    torch.manual_seed(0)
    for cout in (3, 1):
        x = torch.randn(4, 112, 128, 128, requires_grad=True)
        w = (torch.randn(112, cout, 4, 4) * 0.02).requires_grad_()
        b = torch.zeros(cout, requires_grad=True)
        go = torch.randn(4, cout, 256, 256)
        grads = []
        for fn in (lambda: F.conv_transpose2d(x, w, b, stride=2, padding=1), lambda: Deconv.apply(x, w, b)):
            x.grad = w.grad = b.grad = None
            y = fn()
            y.backward(go)
            grads.append((y.detach(), x.grad.clone(), w.grad.clone(), b.grad.clone()))
        print("cout", cout, "max |difference| of output, dx, dw, db:",
              [f"{(a - c).abs().max().item():.2e}" for a, c in zip(*grads)])
