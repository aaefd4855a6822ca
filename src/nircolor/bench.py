"""`nircolor bench`: training and inference speed of the plain eager fp32 path and the fast path, in one run.

For each variant it measures, on the same machine in the same process:
  - the matrix-multiply rate of each precision (square matmuls; the ceiling a path is held to),
  - training throughput through full CycleGAN steps (both generators and both discriminators,
    forward and backward, both optimizer steps), FLOPs counted by torch's FlopCounterMode,
  - the implied paired (372 images) and unpaired (1,020 images) epoch times and the paper's
    800-epoch schedule (525 paired + 275 unpaired epochs),
  - optionally (`--epochs`) real epochs through the trainer's own loop with augmentation,
  - NIR→RGB generator inference latency (batch 1) and throughput (`--infer-batch`),
  - peak memory (CUDA: allocator peak per measurement; CPU: the process's peak RSS so far).
Each path's achieved FLOP/s is reported as a fraction of its own precision's matmul rate
(fp32 path vs the fp32 rate, bf16 path vs the bf16 rate).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nircolor.config import (
    CHALLENGE_ONLINE,
    CHALLENGE_PAIRS,
    Config,
    load_config,
)

PAIRED_IMAGES = CHALLENGE_PAIRS  # a paired epoch: the challenge's registered pairs
UNPAIRED_IMAGES = CHALLENGE_ONLINE  # an unpaired epoch as timed here: its RGB-Online count
PAPER_SCHEDULE = {"paired": 525, "unpaired": 275}  # epochs of each mode in 250/300/250
PAPER_EPOCH_S = {"paired": 32.0, "unpaired": 93.0}  # paper §4: two RTX 2080 Ti


@dataclass(frozen=True)
class PathSpec:
    name: str
    precision: str
    channels_last: bool
    compile: bool
    fused_optim: bool
    data_on_device: bool

    def overrides(self) -> dict[str, Any]:
        return {
            "train.precision": self.precision,
            "train.channels_last": self.channels_last,
            "train.compile": self.compile,
            "train.fused_optim": self.fused_optim,
            "train.data_on_device": self.data_on_device,
        }


EAGER = PathSpec("eager", "fp32", False, False, False, False)


def fast_path(device: torch.device, precision: str, compile_: bool | None) -> PathSpec:
    """The optimized path: bf16 autocast, channels_last, compile, fused Adam and resident data."""
    if compile_ is None:
        compile_ = True
    return PathSpec("fast", precision, True, compile_, device.type == "cuda", True)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], Any], device: torch.device, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        fn()
        _sync(device)
        out.append(time.perf_counter() - t0)
    return out


def matmul_rate(device: torch.device, dtype: torch.dtype, n: int | None = None, repeats: int = 5) -> float:
    """FLOP/s of an n×n by n×n matrix multiply in `dtype` (best of `repeats`, after a warm-up).

    On CPU the same product is also timed as a 1×1 convolution (oneDNN's GEMM, the library the
    networks' convolutions run on) and the faster of the two is the rate: on this project's AMD
    CPU `torch.matmul` reaches 215 GFLOP/s in fp32 where oneDNN reaches about 400, and a ceiling
    the model's own convolutions exceed would flatter every fraction.
    """
    n = n or (8192 if device.type == "cuda" else 2048)
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    a @ b
    inner = 10 if device.type == "cuda" else 1

    def run() -> None:
        for _ in range(inner):
            a @ b

    best = min(_timed(run, device, repeats)) / inner
    if device.type == "cpu":
        # (n output channels) × (n input channels) × (n pixels): the same 2n³ FLOPs
        x = torch.randn(1, n, n // 32, 32).to(dtype).contiguous(memory_format=torch.channels_last)
        w = torch.randn(n, n, 1, 1).to(dtype).contiguous(memory_format=torch.channels_last)
        torch.nn.functional.conv2d(x, w)
        best = min(best, *_timed(lambda: torch.nn.functional.conv2d(x, w), device, repeats))
    return 2.0 * n**3 / best


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def _count_flops(fn: Callable[[], Any]) -> float:
    """Convolution FLOPs (forward and backward) of one call: the networks' own work. Matmuls are
    left out: the only ones are the dense generator's upsampling, an implementation choice
    (`models.unet.upsample_bilinear`, about 4% on top of the dense generator's 17.5 GFLOP)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    per_op = counter.get_flop_counts().get("Global", {})
    return float(sum(v for op, v in per_op.items() if "convolution" in str(op)))


def _cfg_for(base: Config, variant: str, path: PathSpec, image_size: int, batch: int, device: str) -> Config:
    from nircolor.config import apply_overrides, parse_config

    tree = base.for_variant(variant).model_dump(mode="json")
    size = {"model.image_size": image_size, "train.batch_size": batch, "train.device": device}
    return parse_config(apply_overrides(tree, {**size, **path.overrides()}), "bench")


def bench_train(
    variant: str, cfg: Config, device: torch.device, steps: int, warmup: int
) -> dict[str, Any]:
    """Full CycleGAN steps on random inputs already on the device (paired mode)."""
    from nircolor.training.cyclegan import CycleGAN

    torch.manual_seed(0)
    b, s = cfg.train.batch_size, cfg.model.image_size
    net = CycleGAN.build(variant, cfg, device)
    fmt = net.memory_format
    nir = (torch.rand(b, 1, s, s, device=device) * 2 - 1).contiguous(memory_format=fmt)
    rgb = (torch.rand(b, 3, s, s, device=device) * 2 - 1).contiguous(memory_format=fmt)
    gen = torch.Generator().manual_seed(0)

    def step() -> None:
        net.train_step(nir, rgb, rgb, "paired", gen)

    _reset_peak(device)
    first = _timed(step, device, 1)[0]  # includes compilation on the compiled path
    for _ in range(max(warmup - 1, 0)):
        step()
    times = _timed(step, device, steps)
    per_step = statistics.median(times)
    flops = None
    if not cfg.train.compile:  # the counter traces eager ops; the compiled graph has the same math
        flops = _count_flops(step) / b
    return {
        "first_step_s": first,
        "step_s": per_step,
        "step_s_all": times,
        "images_per_s": b / per_step,
        "flop_per_image": flops,
        "peak_memory_mb": _peak_memory_mb(device),
    }


def bench_epochs(variant: str, cfg: Config, device: torch.device) -> dict[str, float]:
    """One paired and one unpaired epoch at the challenge's counts through the trainer's loop
    (augmentation and batching included), on random images, after a short warm-up epoch."""
    from nircolor import augment
    from nircolor.data.packed import PairArrays, TrainArrays
    from nircolor.training.batches import DeviceData
    from nircolor.training.cyclegan import CycleGAN
    from nircolor.training.epoch import train_epoch

    s = cfg.model.image_size
    rng = np.random.default_rng(0)
    n = PAIRED_IMAGES
    paired = PairArrays(
        rng.integers(0, 256, (n, s, s), np.uint8), rng.integers(0, 256, (n, s, s, 3), np.uint8),
        tuple(f"{i:04d}" for i in range(n)),
    )  # fmt: skip
    online = rng.integers(0, 256, (UNPAIRED_IMAGES - n, s, s, 3), np.uint8)
    data = TrainArrays(paired, online, "bench (random pixels)")
    torch.manual_seed(0)
    net = CycleGAN.build(variant, cfg, device)
    aug = augment.build_augmentation(cfg.augment, s)
    dev = DeviceData(data, cfg.augment, cfg.model, device) if cfg.train.data_on_device else None
    warm = TrainArrays(
        PairArrays(paired.nir[: 4 * cfg.train.batch_size], paired.rgb[: 4 * cfg.train.batch_size],
                   paired.stems[: 4 * cfg.train.batch_size]),
        online[:0], "warm-up",
    )  # fmt: skip
    warm_dev = DeviceData(warm, cfg.augment, cfg.model, device) if dev is not None else None
    train_epoch(net, data=warm, cfg=cfg, aug=aug, phase="phase1", index=0, n_epochs=1, epoch=1, device_data=warm_dev)
    out = {}
    for mode, k in (("paired", 1), ("unpaired", 0)):  # phase 2 alternates, unpaired first
        _sync(device)
        rec = train_epoch(net, data=data, cfg=cfg, aug=aug, phase="phase2", index=k, n_epochs=2, epoch=2, device_data=dev)
        out[f"{mode}_epoch_s"] = rec["seconds"]
    return out


def bench_infer(
    variant: str, cfg: Config, device: torch.device, batch: int, repeats: int
) -> dict[str, Any]:
    """NIR→RGB generator forward in eval mode under inference_mode (and the path's autocast)."""
    from nircolor.device import resolve_precision
    from nircolor.models import build_generator, generator_options

    m, t = cfg.model, cfg.train
    torch.manual_seed(0)
    fmt = torch.channels_last if t.channels_last else torch.contiguous_format
    g = build_generator(variant, 1, 3, **generator_options(m))
    g = g.to(device, memory_format=fmt).eval()
    if t.compile:
        g.compile(dynamic=False)
    cast = (
        torch.autocast(device.type, dtype=torch.bfloat16)
        if resolve_precision(t.precision, device) == "bf16"
        else torch.autocast(device.type, enabled=False)
    )

    def make(b: int) -> torch.Tensor:
        return torch.rand(b, 1, m.image_size, m.image_size, device=device).contiguous(memory_format=fmt)

    one, many = make(1), make(batch)
    _reset_peak(device)
    with torch.inference_mode(), cast:
        first = _timed(lambda: g(one), device, 1)[0]
        g(one)
        lat = _timed(lambda: g(one), device, repeats)
        g(many)
        thr = _timed(lambda: g(many), device, max(repeats // 2, 2))
        flops = None if t.compile else _count_flops(lambda: g(one))
    return {
        "first_call_s": first,
        "latency_ms": 1e3 * statistics.median(lat),
        "batch": batch,
        "images_per_s": batch / statistics.median(thr),
        "flop_per_image": flops,
        "peak_memory_mb": _peak_memory_mb(device),
    }


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    from nircolor.device import configure_runtime, resolve_device

    device = resolve_device(args.device)
    # --threads is the recipe's train.num_threads here (0: torch's default), set before any timing
    base = load_config(args.params, {"train.num_threads": args.threads})
    configure_runtime(base.train, device)
    paths = [EAGER, fast_path(device, args.precision, args.compile)]
    report: dict[str, Any] = {
        "machine": _machine(device),
        "settings": {
            "image_size": args.image_size, "batch_size": args.batch_size,
            "infer_batch": args.infer_batch, "steps": args.steps, "warmup": args.warmup,
            "paths": {p.name: p.overrides() for p in paths},
        },
        "matmul_flops": {},
        "variants": {},
    }  # fmt: skip
    _log(f"device {report['machine']['device_name']}, torch {torch.__version__}")
    for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        report["matmul_flops"][precision] = matmul_rate(device, dtype)
        _log(f"matmul {precision}: {report['matmul_flops'][precision] / 1e12:.2f} TFLOP/s")
    if device.type == "cuda":
        # cuDNN runs fp32 convolutions in TF32 by default (torch.backends.cudnn.allow_tf32), so
        # the plain path's ceiling on a GPU is the TF32 rate, not the true-fp32 one
        saved = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = True
        try:
            report["matmul_flops"]["tf32"] = matmul_rate(device, torch.float32)
        finally:
            torch.backends.cuda.matmul.allow_tf32 = saved
        _log(f"matmul tf32: {report['matmul_flops']['tf32'] / 1e12:.2f} TFLOP/s")
    flop_cache: dict[tuple[str, str], float | None] = {}
    # Every plain run first, then every fast one: code a compiled path loads into the process
    # (inductor's kernels, their OpenMP runtime) must not slow down a later plain measurement.
    entries: dict[str, dict[str, Any]] = {v: {"paths": {}} for v in args.variant}
    for path in paths:
        for variant in args.variant:
            cfg = _cfg_for(base, variant, path, args.image_size, args.batch_size, str(device))
            configure_runtime(cfg.train, device)  # cudnn.benchmark and dynamo limits of this path
            if path.compile:
                torch._dynamo.reset()  # each variant's networks get the compiler's full budget
            _log(f"{variant} {path.name}: training steps ...")
            train = bench_train(variant, cfg, device, args.steps, args.warmup)
            flop_cache.setdefault((variant, "train"), train["flop_per_image"])
            _log(f"{variant} {path.name}: inference ...")
            infer = bench_infer(variant, cfg, device, args.infer_batch, args.repeats)
            flop_cache.setdefault((variant, "infer"), infer["flop_per_image"])
            res: dict[str, Any] = {"train": train, "infer": infer}
            ips = train["images_per_s"]
            res["paired_epoch_s"] = PAIRED_IMAGES / ips
            res["unpaired_epoch_s"] = UNPAIRED_IMAGES / ips
            res["schedule_800_s"] = (
                PAPER_SCHEDULE["paired"] * res["paired_epoch_s"]
                + PAPER_SCHEDULE["unpaired"] * res["unpaired_epoch_s"]
            )
            if args.epochs:
                _log(f"{variant} {path.name}: real epochs through the trainer ...")
                res["measured_epochs"] = bench_epochs(variant, cfg, device)
            entries[variant]["paths"][path.name] = res
    for variant in args.variant:
        entry = entries[variant]
        matmul = report["matmul_flops"]
        fractions = {}
        for path in paths:
            res = entry["paths"][path.name]
            against = _ceiling(path, device)
            peak = matmul[against]
            t_flop = flop_cache[(variant, "train")]
            i_flop = flop_cache[(variant, "infer")]
            res["train"]["achieved_flops"] = t_flop * res["train"]["images_per_s"] if t_flop else None
            res["infer"]["achieved_flops"] = (
                i_flop * res["infer"]["images_per_s"] if i_flop else None
            )
            fractions[path.name] = {
                "train": res["train"]["achieved_flops"] / peak if t_flop else None,
                "infer": res["infer"]["achieved_flops"] / peak if i_flop else None,
                "against": against,
            }
        e, f = entry["paths"]["eager"], entry["paths"]["fast"]
        entry["train_speedup"] = f["train"]["images_per_s"] / e["train"]["images_per_s"]
        entry["infer_speedup"] = f["infer"]["images_per_s"] / e["infer"]["images_per_s"]
        entry["matmul_fraction"] = fractions
        report["variants"][variant] = entry
    return report


def _ceiling(path: PathSpec, device: torch.device) -> str:
    """The matmul rate a path is held to: its own precision (fp32 convs run as TF32 on cuDNN)."""
    if path.precision == "bf16":
        return "bf16"
    return "tf32" if device.type == "cuda" and torch.backends.cudnn.allow_tf32 else "fp32"


def _machine(device: torch.device) -> dict[str, Any]:
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    if device.type == "cpu":
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
    return {
        "device": str(device), "device_name": name, "torch": torch.__version__,
        "python": platform.python_version(), "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }  # fmt: skip


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)
