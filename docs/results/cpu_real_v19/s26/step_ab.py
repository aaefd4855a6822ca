"""A/B a dense_plus training step (run 32 recipe shapes): oneDNN transposed convs vs the matmul Deconv
for the layers with out_channels <= MAXC. Alternating blocks in one process."""
import sys, time
from pathlib import Path
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).resolve().parent))
from deconv_fn import Deconv
from nircolor.config import load_config
from nircolor.device import configure_runtime
from nircolor.training.cyclegan import CycleGAN
torch.set_num_threads(2)
MAXC = int(sys.argv[1]) if len(sys.argv) > 1 else 3
orig = nn.ConvTranspose2d.forward
def patched(self, x, output_size=None):
    if self.out_channels <= MAXC and self.kernel_size == (4, 4) and self.stride == (2, 2) and self.padding == (1, 1):
        return Deconv.apply(x, self.weight, self.bias)
    return orig(self, x, output_size)
ov = {"model.ngf": 8, "model.ndf": 8, "model.image_size": 256, "train.precision": "fp32",
      "train.ema_decay": 0.998, "loss.gan_mode": "lsgan", "train.batch_size": 4}
cfg = load_config(Path(__file__).resolve().parents[4] / "params.yaml", ov).for_variant("dense_plus")
torch.manual_seed(0)
net = CycleGAN.build("dense_plus", cfg, torch.device("cpu"))
gen = torch.Generator().manual_seed(0)
nir = torch.rand(4, 1, 256, 256) * 2 - 1
rgb = torch.rand(4, 3, 256, 256) * 2 - 1
configure_runtime(cfg.train, torch.device("cpu"))
res = {"onednn": [], "matmul": []}
for rnd in range(4):
    for name in ("onednn", "matmul"):
        nn.ConvTranspose2d.forward = patched if name == "matmul" else orig
        net.train_step(nir, rgb, rgb, "paired", gen)
        t0 = time.perf_counter()
        for _ in range(3):
            net.train_step(nir, rgb, rgb, "paired", gen)
        res[name].append((time.perf_counter() - t0) / 3)
        print(rnd, name, f"{res[name][-1]:.3f} s/step", flush=True)
a, b = sorted(res["onednn"]), sorted(res["matmul"])
print(f"MAXC {MAXC}: median onednn {a[len(a)//2]:.3f} matmul {b[len(b)//2]:.3f} ratio {a[len(a)//2]/b[len(b)//2]:.3f}")
