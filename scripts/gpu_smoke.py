"""GPU smoke check: the trainer, evaluation and metrics on CUDA, eager fp32, with timings.

Usage: python scripts/gpu_smoke.py [--out DIR]   (needs a CUDA device; writes smoke.json)
Not a benchmark (issue 4 owns that): it proves the package runs on a bare torch GPU box and
gives a first eager-fp32 figure for one CycleGAN step at 256×256.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from nircolor.config import load_config
from nircolor.data.packed import load_packed, pack_dataset
from nircolor.data.synth import write_synthetic
from nircolor.data.validate import validate_dataset
from nircolor.device import configure_runtime
from nircolor.inference import evaluate_generator, load_generator
from nircolor.metrics import evaluate_batch
from nircolor.models import build_generator, count_parameters
from nircolor.training.batches import to_tensor
from nircolor.training.cyclegan import CycleGAN
from nircolor.training.phase import run_phase


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="gpu_smoke_out")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    assert torch.cuda.is_available(), "no CUDA device"
    dev = torch.device("cuda")
    report: dict = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}

    # 1. exact parameter counts on this torch
    report["params"] = {
        v: count_parameters(build_generator(v, 1, 3, ngf=64, image_size=256)) for v in ("baseline", "dense")
    }

    # 2. metrics agree between CPU and GPU
    a, b = torch.rand(4, 3, 256, 256, dtype=torch.float64), torch.rand(4, 3, 256, 256, dtype=torch.float64)
    cpu, gpu = evaluate_batch(a, b), evaluate_batch(a.to(dev), b.to(dev))
    report["metrics_max_abs_diff_cpu_gpu"] = {k: float((cpu[k] - gpu[k].cpu()).abs().max()) for k in cpu}

    # 3. eager fp32 CycleGAN step at 256×256, both variants, batch 1 and 4
    cfg = load_config(None, {"train.device": "cuda"})
    configure_runtime(cfg.train, dev)
    steps = {}
    for variant in ("baseline", "dense"):
        for bs in (1, 4):
            torch.manual_seed(0)
            net = CycleGAN.build(variant, cfg, dev)
            rng = np.random.default_rng(0)
            nir = to_tensor(rng.integers(0, 255, (bs, 256, 256), dtype=np.uint8)).to(dev)
            rgb = to_tensor(rng.integers(0, 255, (bs, 256, 256, 3), dtype=np.uint8)).to(dev)
            gen = torch.Generator().manual_seed(0)
            for _ in range(3):
                net.train_step(nir, rgb, rgb, "paired", gen)
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            n = 20
            t0 = time.perf_counter()
            for _ in range(n):
                losses = net.train_step(nir, rgb, rgb, "paired", gen)
            float(losses["loss_g"])
            torch.cuda.synchronize()
            dt = (time.perf_counter() - t0) / n
            steps[f"{variant}/bs{bs}"] = {
                "step_s": dt,
                "images_per_s": bs / dt,
                "paired_epoch_372_s": 372 / (bs / dt),
                "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30,
            }
            del net
            torch.cuda.empty_cache()
    report["eager_fp32_train_step"] = steps

    # 4. a short three-phase run through run_phase on CUDA (synthetic 256×256, 32 pairs)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_synthetic(data, n_pairs=32, n_unpaired=32, n_val=18, size=256, seed=0)
        pack_dataset(validate_dataset(data), Path(tmp) / "packed")
        train, val, _ = load_packed(Path(tmp) / "packed")
        run_cfg = load_config(None, {"train.device": "cuda", "train.batch_size": 4,
                                     "schedule.phase1": 2, "schedule.phase2": 2,
                                     "schedule.phase3": 2})  # fmt: skip
        configure_runtime(run_cfg.train, dev)
        prev, history = None, []
        t0 = time.perf_counter()
        for phase in ("phase1", "phase2", "phase3"):
            res = run_phase(phase, variant="dense", cfg=run_cfg, data=train,
                            out=Path(tmp) / f"{phase}.pt", init=prev, progress=False)  # fmt: skip
            prev, history = res.checkpoint, history + res.history
        report["run_phase_dense_6_epochs_s"] = time.perf_counter() - t0
        report["run_phase_history"] = [
            {k: r[k] for k in ("epoch", "mode", "lr", "loss_pair_rgb", "images_per_s")} for r in history
        ]
        g, _ = load_generator(prev, dev)
        table, _ = evaluate_generator(g, val, dev)
        report["eval_average"] = table.iloc[-1][["psnr", "ssim", "ae"]].astype(float).to_dict()

    (out / "smoke.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
