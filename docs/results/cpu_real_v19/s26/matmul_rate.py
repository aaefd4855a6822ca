"""2048² fp32 matmul rate on 2 threads: best and median of 10 after 2 warm-ups (GFLOP/s)."""
import time

import torch

torch.set_num_threads(2)
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
for _ in range(2):
    a @ b
ts = []
for _ in range(10):
    t0 = time.perf_counter()
    a @ b
    ts.append(time.perf_counter() - t0)
ts.sort()
print(f"GFLOP/s best {2 * 2048**3 / ts[0] / 1e9:.0f} median {2 * 2048**3 / ts[5] / 1e9:.0f}")
