"""Learning-speed pilot on the real data: validation scores against wall time, one core.

Not the pipeline: a bare loop over the project's networks, CycleGAN step and metrics, with random
crops and mirroring only (no contrast augmentation), used to choose a recipe quickly. Every
validation score is taken on the 18 validation pairs at 256 px by the inference rule (enlarge by
the training scale, translate, average back). Results: docs/results/pilots_s2/.

  python scripts/pilot.py --data ../shared/data/vcip2020 --mode cyclegan --variant baseline \
      --crop 128 --up 2 --seconds 480 --set model.ngf=8 model.ndf=8 optim.lr=0.001
  python scripts/pilot.py --data ... --mode supervised   # the NIR→RGB generator alone, 60·L1

Prints one JSON line per --every seconds: elapsed s, epoch, step, validation psnr/ssim/ae.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from nircolor.config import load_config, parse_overrides, resolve_arch
from nircolor.data.io import read_image
from nircolor.inference import colorize
from nircolor.metrics import evaluate_batch
from nircolor.models import build_generator
from nircolor.training.cyclegan import CycleGAN

LOGGED = ("loss_pair_rgb", "loss_pair_nir", "loss_cycle_rgb", "loss_cycle_nir", "loss_ssim_rgb")


def load(data: Path) -> tuple[np.ndarray, ...]:
    def stack(paths, mode):
        return np.stack([read_image(p, mode) for p in paths])

    nirs = sorted((data / "NIR").glob("*_nir.png"))
    rgbs = [data / "RGB-Registered" / p.name.replace("_nir.png", "_rgb_reg.png") for p in nirs]
    vn = sorted((data / "Validation").glob("*_nir.png"))
    vr = [p.with_name(p.name.replace("_nir.png", "_rgb_reg.png")) for p in vn]
    return stack(nirs, "nir"), stack(rgbs, "rgb"), stack(vn, "nir"), stack(vr, "rgb")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--mode", choices=["cyclegan", "supervised"], default="cyclegan")
    ap.add_argument("--variant", default="baseline")
    ap.add_argument("--crop", type=int, default=128, help="training crop side (of the enlarged image)")
    ap.add_argument("--up", type=int, default=1, help="enlarge the images ×up first (model.crop_scale)")
    ap.add_argument("--seconds", type=float, default=480)
    ap.add_argument("--every", type=float, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    ap.add_argument("--ema", type=float, default=0.0, help="cyclegan: also score the EMA of G_A's weights (train.ema_decay)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="params overrides")
    a = ap.parse_args()
    overrides = parse_overrides(a.set)
    if a.ema:
        if a.mode != "cyclegan":
            ap.error("--ema needs --mode cyclegan (it is the trainer's train.ema_decay)")
        overrides["train.ema_decay"] = a.ema
    cfg = load_config(Path(__file__).resolve().parents[1] / "params.yaml", overrides).for_variant(a.variant)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    nir, rgb, vnir, vrgb = load(a.data)
    tn = torch.from_numpy(nir).float().div(127.5).sub(1)[:, None]
    tr = torch.from_numpy(rgb).float().div(127.5).sub(1).permute(0, 3, 1, 2)
    if a.up > 1:
        tn = F.interpolate(tn, scale_factor=a.up, mode="bicubic").clamp(-1, 1)
        tr = F.interpolate(tr, scale_factor=a.up, mode="bicubic").clamp(-1, 1)
    side = tn.shape[-1]
    vx = torch.from_numpy(vnir).float().div(255)[:, None]
    vy = torch.from_numpy(vrgb).permute(0, 3, 1, 2).double().div(255)
    m = cfg.model
    if a.mode == "cyclegan":
        net = CycleGAN.build(a.variant, cfg, torch.device("cpu"))
        g = net.g_nir2rgb
    else:
        g = build_generator(resolve_arch(a.variant, m), 1, 3, ngf=m.ngf, image_size=a.crop, init_std=m.init_std)
        opt = torch.optim.Adam(g.parameters(), lr=cfg.optim.lr, betas=(cfg.optim.beta1, cfg.optim.beta2))

    g.infer_scale = float(a.up)  # the inference rule evaluate uses (enlarge, translate, average back)
    ema = net.ema_nir2rgb if a.mode == "cyclegan" else None  # kept by the CycleGAN step itself
    if ema is not None:
        ema.infer_scale = g.infer_scale

    def score(model) -> dict[str, float]:
        was = model.training
        model.eval()
        out = colorize(model, vx)
        model.train(was)
        out = (out.double() * 255).round() / 255  # scored as the uint8 image a user gets
        return {k: round(float(v.mean()), 4) for k, v in evaluate_batch(out, vy).items()}

    def validate() -> dict[str, float]:
        scores = score(g)
        if ema is not None:
            scores.update({f"ema_{k}": v for k, v in score(ema).items()})
        return scores

    bs, gen = cfg.train.batch_size, torch.Generator().manual_seed(a.seed)
    t0, due, epoch, step = time.time(), a.every, 0, 0
    sums: dict[str, float] = {}  # training losses since the last line
    while time.time() - t0 < a.seconds:
        order = rng.permutation(len(tn))
        for s in range(0, len(order), bs):
            idx = order[s : s + bs]
            oy, ox = rng.integers(0, side - a.crop + 1, 2)
            x, y = tn[idx, :, oy : oy + a.crop, ox : ox + a.crop], tr[idx, :, oy : oy + a.crop, ox : ox + a.crop]
            if rng.random() < 0.5:
                x, y = x.flip(-1), y.flip(-1)
            if a.mode == "cyclegan":
                for k, v in net.train_step(x, y, y, "paired", gen).items():
                    sums[k] = sums.get(k, 0.0) + float(v)
            else:
                loss = cfg.loss.lambda_pair * (g(x) - y).abs().mean()
                opt.zero_grad()
                loss.backward()
                sums["loss_pair_rgb"] = sums.get("loss_pair_rgb", 0.0) + float(loss) / cfg.loss.lambda_pair
                opt.step()
            step += 1
            sums["n"] = sums.get("n", 0) + 1
            if time.time() - t0 > due:
                due += a.every
                n = sums.pop("n")
                shown = {k.removeprefix("loss_"): round(v / n, 4) for k, v in sums.items() if k in LOGGED}
                sums.clear()
                print(json.dumps({"t": round(time.time() - t0), "epoch": epoch, "step": step, **shown, **validate()}), flush=True)
        epoch += 1
    print(json.dumps({"final": True, "t": round(time.time() - t0), "epoch": epoch, "step": step, **validate()}), flush=True)


if __name__ == "__main__":
    main()
