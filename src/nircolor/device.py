"""Device selection and the process-global torch settings a training run asks for, applied by entry points.

Library code (the networks, the step, the phase loop) never changes process-wide state: the
command line, bench, the torchrun entry, the pipeline's train stage and scripts call
`configure_runtime` once they know the recipe, before they build networks or train.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # the config schema needs pydantic; this module needs torch alone
    from nircolor.config import TrainConfig

# torch.compile traces each network twice (inputs with and without grad) and the generators share
# one forward, so dynamo's default limit of 8 traces per function is too tight
COMPILE_TRACE_LIMIT = 32


def resolve_device(name: str) -> torch.device:
    """'auto' → CUDA where present; under torchrun each process takes the GPU of its LOCAL_RANK."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train.device is 'cuda' but no CUDA device is available")
    if name == "cuda" and "LOCAL_RANK" in os.environ:
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    return torch.device(name)


def native_bf16(device: torch.device) -> bool:
    """Whether `device` runs bf16 convolutions and matmuls natively rather than by emulation.

    CUDA: `torch.cuda.is_bf16_supported()`. CPU: the CPU has bf16 arithmetic (AVX-512 BF16 or
    AMX tiles) and oneDNN is there to use it. oneDNN's own `_is_mkldnn_bf16_supported()` alone is
    not enough: it also answers yes on a plain AVX-512 CPU, where bf16 is emulated. Measured in
    one run each (docs/benchmarks.md): a dense training step at 256 px ×2.1 slower in bf16 than
    fp32 on 2 AVX-512 cores of an Intel Xeon without BF16 (bf16 matmul 61 against 306 GFLOP/s
    fp32); a generator step ×6.4–×7.9 slower on 2 AVX2 cores of an AMD EPYC.
    """
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        try:
            onednn = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
            return onednn and bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
        except (AttributeError, RuntimeError):  # a build without oneDNN or these probes: treat as emulated
            return False
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """The precision a run uses: 'fp32' and 'bf16' as asked; 'auto' → bf16 where native, else fp32."""
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'auto', 'fp32' or 'bf16', got {precision!r}")
    return precision


def configure_runtime(train: TrainConfig, device: torch.device) -> None:
    """Apply `train`'s process-global settings; call before building networks for that recipe.

    - `train.num_threads` > 0: torch's intra-op thread count (0 leaves torch's default)
    - on CUDA, cuDNN autotuning (`cudnn.benchmark`) on the fast path (channels_last, compile or
      bf16) and off on the plain path, whose algorithms stay torch's defaults
    - `train.compile`: dynamo's per-function trace limit raised to at least COMPILE_TRACE_LIMIT
    """
    if train.num_threads:
        torch.set_num_threads(train.num_threads)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = train.channels_last or train.compile or resolve_precision(train.precision, device) != "fp32"
    if train.compile:
        dynamo_config = torch._dynamo.config
        limit = "recompile_limit" if hasattr(dynamo_config, "recompile_limit") else "cache_size_limit"
        setattr(dynamo_config, limit, max(getattr(dynamo_config, limit), COMPILE_TRACE_LIMIT))
