"""Three-phase CycleGAN training for NIR→RGB (VCIP 2020): one step, one epoch, one resumable phase.

Paper ↔ code:
    G_A  (NIR → RGB generator)      g_nir2rgb
    G_B  (RGB → NIR generator)      g_rgb2nir
    D_A  (judges RGB images)        d_rgb
    D_B  (judges NIR images)        d_nir
    λ1   (cycle-consistency weight) loss.lambda_cycle = 100
    λ2   (pair L1 weight)           loss.lambda_pair  = 60

Beyond the paper (0 = off, and 0 for the paper's variants, whose step is then unchanged bit for
bit): loss.lambda_ssim, lambda_angle and lambda_edge add 1 − SSIM, the RGB angle and Sobel
gradient L1 of G_A(nir) against its registered RGB to the generator objective (losses.py).
`model.native_crops` trains on random image_size crops of native-resolution images (or of images
enlarged ×`model.crop_scale`) instead of images resized to image_size.

Schedule (paper §3): phase1 = paired epochs only (1–250); phase2 = paired and unpaired epochs
alternating (250–550), starting with an unpaired one; phase3 = alternating with the learning
rate decayed linearly to zero (550–800). Epochs are counted globally across phases.

A paired epoch visits every registered pair once. An unpaired epoch makes one pass over the
unpaired RGB pool; each RGB image is matched with a NIR image drawn by an independent
permutation, whose registered RGB supplies the pair term for g_nir2rgb only (Eq. 5).

Determinism: every epoch re-derives its RNGs (order, augmentation, pool draws) from
(seed, epoch), and the image pools travel in checkpoints, so a phase killed after epoch k and
run again continues from epoch k + 1 and, on CPU, ends with the same weights as an
uninterrupted run.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from nircolor import augment_torch
from nircolor.augment import augment_pair, build_augmentation, crop_size, epoch_seed, reseed
from nircolor.config import PHASES, Config, ModelConfig, Mode, Phase, Variant, resolve_arch
from nircolor.data.packed import PairArrays, TrainArrays, resize_stack
from nircolor.losses import (
    GANLoss, angle_loss, cycle_loss, discriminator_loss, edge_loss, pair_loss, ssim_loss,
)  # fmt: skip
from nircolor.models import build_discriminator, build_generator
from nircolor.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from nircolor.training.pool import ImagePool

EpochCallback = Callable[[int, dict[str, Any]], None]
LOSS_NAMES = (
    "loss_gan_nir2rgb",
    "loss_gan_rgb2nir",
    "loss_cycle_nir",
    "loss_cycle_rgb",
    "loss_pair_rgb",
    "loss_pair_nir",
    "loss_ssim_rgb",
    "loss_angle_rgb",
    "loss_edge_rgb",
    "loss_g",
    "loss_d_rgb",
    "loss_d_nir",
)


class NonFiniteLossError(RuntimeError):
    """A loss became NaN/Inf; the phase stops and its last good checkpoint stays."""


def resolve_device(name: str) -> torch.device:
    """'auto' → CUDA where present; under torchrun each process takes the GPU of its LOCAL_RANK."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train.device is 'cuda' but no CUDA device is available")
    if name == "cuda" and "LOCAL_RANK" in os.environ:
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    return torch.device(name)


def epoch_mode(phase: Phase, index_in_phase: int) -> Mode:
    """Phase 1 is paired only; phases 2–3 alternate, starting with an unpaired epoch."""
    if phase == "phase1":
        return "paired"
    return "unpaired" if index_in_phase % 2 == 0 else "paired"


def epoch_lr(phase: Phase, index_in_phase: int, n_epochs: int, base_lr: float) -> float:
    """Constant in phases 1–2; phase 3 decays linearly from base_lr towards zero."""
    if phase != "phase3":
        return base_lr
    return base_lr * (1.0 - index_in_phase / max(n_epochs, 1))


def to_tensor(batch: np.ndarray) -> Tensor:
    """uint8 (B, H, W) or (B, H, W, C) → float (B, C, H, W) in [-1, 1]."""
    return augment_torch.to_unit(torch.from_numpy(np.ascontiguousarray(batch)))


class DataParallel:
    """Gradient averaging across torch.distributed ranks (gloo on CPU, NCCL on GPU).

    Not the `DistributedDataParallel` wrapper: a CycleGAN step runs each generator twice and the
    discriminators frozen inside the generator's backward, which DDP's reducer does not expect.
    Each rank trains on its slice of the global batch; before each optimizer step the gradients
    are summed with weights (slice size / global batch), so the update equals the single-process
    one on the whole batch up to float summation order. Image pools stay per rank.
    """

    def __init__(self) -> None:
        import torch.distributed as dist

        self.dist = dist
        self.world = dist.get_world_size()
        self.rank = dist.get_rank()

    def chunk(self, n: int) -> slice:
        """This rank's part of a global batch of n samples (the first n % world ranks get one more)."""
        base, extra = divmod(n, self.world)
        start = self.rank * base + min(self.rank, extra)
        return slice(start, start + base + (self.rank < extra))

    def average_grads(self, params: list[torch.nn.Parameter], weight: float) -> None:
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads]).mul_(weight)
        self.dist.all_reduce(flat)
        offset = 0
        for p in params:
            n = p.numel()
            p.grad = flat[offset : offset + n].view_as(p).clone()
            offset += n

    def sum_(self, t: Tensor) -> Tensor:
        self.dist.all_reduce(t)
        return t

    def barrier(self) -> None:
        self.dist.barrier()

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def data_parallel() -> DataParallel | None:
    """The DataParallel of this process when it runs under an initialized process group."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return DataParallel()
    return None


@dataclass
class CycleGAN:
    """The four networks, their optimizers and image pools."""

    g_nir2rgb: torch.nn.Module
    g_rgb2nir: torch.nn.Module
    d_rgb: torch.nn.Module
    d_nir: torch.nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    pool_rgb: ImagePool
    pool_nir: ImagePool
    gan: GANLoss
    lambda_cycle: float
    lambda_pair: float
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    autocast_dtype: torch.dtype | None = None  # bf16 on the fast path; None = plain fp32
    memory_format: torch.memory_format = torch.contiguous_format
    parallel: DataParallel | None = None
    # weights of the terms beyond the paper: {"ssim": λ, "angle": λ, "edge": λ}; 0 = not computed
    lambda_extra: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(
        cls, variant: Variant, cfg: Config, device: torch.device,
        parallel: DataParallel | None = None,
    ) -> "CycleGAN":  # fmt: skip
        m, t = cfg.model, cfg.train
        fmt = torch.channels_last if t.channels_last else torch.contiguous_format
        gen = dict(ngf=m.ngf, image_size=m.image_size, dropout=m.dropout, init_std=m.init_std)
        disc = dict(ndf=m.ndf, n_layers=m.disc_layers, init_std=m.init_std)
        arch = resolve_arch(variant, m)
        g_nir2rgb = build_generator(arch, 1, 3, **gen).to(device, memory_format=fmt)
        g_rgb2nir = build_generator(arch, 3, 1, **gen).to(device, memory_format=fmt)
        d_rgb = build_discriminator(3, **disc).to(device, memory_format=fmt)
        d_nir = build_discriminator(1, **disc).to(device, memory_format=fmt)
        if device.type == "cuda":
            # autotuned conv algorithms on the fast path; the plain path keeps torch's defaults
            torch.backends.cudnn.benchmark = t.channels_last or t.compile or t.precision != "fp32"
        if t.compile:
            # Each network is traced twice (inputs with and without grad); the generators share
            # one forward, so the default limit of 8 traces per function is too tight.
            dynamo_config = torch._dynamo.config
            limit = "recompile_limit" if hasattr(dynamo_config, "recompile_limit") else "cache_size_limit"
            setattr(dynamo_config, limit, max(getattr(dynamo_config, limit), 32))
            # in place: parameter names (and so checkpoints) stay those of the plain modules
            for net in (g_nir2rgb, g_rgb2nir, d_rgb, d_nir):
                net.compile(dynamic=False)
        adam = dict(lr=cfg.optim.lr, betas=(cfg.optim.beta1, cfg.optim.beta2))
        if t.fused_optim:
            adam["fused"] = True
        opt_g = torch.optim.Adam([*g_nir2rgb.parameters(), *g_rgb2nir.parameters()], **adam)
        opt_d = torch.optim.Adam([*d_rgb.parameters(), *d_nir.parameters()], **adam)
        return cls(
            g_nir2rgb, g_rgb2nir, d_rgb, d_nir, opt_g, opt_d,
            ImagePool(t.pool_size), ImagePool(t.pool_size),
            GANLoss(cfg.loss.gan_mode), cfg.loss.lambda_cycle, cfg.loss.lambda_pair, device,
            torch.bfloat16 if t.precision == "bf16" else None, fmt, parallel,
            {"ssim": cfg.loss.lambda_ssim, "angle": cfg.loss.lambda_angle, "edge": cfg.loss.lambda_edge},
        )  # fmt: skip

    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _net_input(self, x: Tensor) -> Tensor:
        """A network's input in the dtype and layout its first conv would cast it to anyway.

        Under autocast a conv casts fp32 inputs to bf16 itself, so this changes no value; it gives
        every network call one input signature (real images and fakes alike), so a compiled
        network is traced once rather than once per dtype and stride. Losses keep fp32 targets.
        """
        if self.autocast_dtype is not None:
            x = x.to(self.autocast_dtype)
        return x.contiguous(memory_format=self.memory_format) if self.memory_format is not torch.contiguous_format else x

    def _step(self, opt: torch.optim.Optimizer, weight: float) -> None:
        if self.parallel is not None:
            params = [p for group in opt.param_groups for p in group["params"]]
            self.parallel.average_grads(params, weight)
        opt.step()

    def idle_step(self) -> None:
        """A rank whose slice of a short last batch is empty: zero gradients, same update."""
        for opt in (self.opt_g, self.opt_d):
            opt.zero_grad(set_to_none=True)
            self._step(opt, 0.0)

    def set_lr(self, lr: float) -> None:
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = lr

    def train_step(
        self, nir: Tensor, rgb: Tensor, rgb_registered: Tensor, mode: Mode, gen: torch.Generator,
        weight: float = 1.0,
    ) -> dict[str, Tensor]:  # fmt: skip
        """One CycleGAN step. `rgb` is the registered partner (paired) or an unpaired image.

        nir (B, 1, H, W), rgb and rgb_registered (B, 3, H, W), all in [-1, 1]. Under data
        parallelism `weight` is this rank's share of the global batch (its gradients' weight).
        """
        with self._autocast():
            fake_rgb, fake_nir, losses_g = self._generator_losses(nir, rgb, rgb_registered, mode)
        loss_g = losses_g["loss_g"]
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self._step(self.opt_g, weight)
        # 3. discriminator update on real vs pooled fakes, 0.5·(real + fake) each
        for d in (self.d_rgb, self.d_nir):
            d.requires_grad_(True)
        pooled_rgb = self._net_input(self.pool_rgb.query(fake_rgb.detach(), gen))
        pooled_nir = self._net_input(self.pool_nir.query(fake_nir.detach(), gen))
        with self._autocast():
            d_rgb_real, d_nir_real = self.d_rgb(self._net_input(rgb)), self.d_nir(self._net_input(nir))
            loss_d_rgb = discriminator_loss(self.gan, d_rgb_real, self.d_rgb(pooled_rgb))
            loss_d_nir = discriminator_loss(self.gan, d_nir_real, self.d_nir(pooled_nir))
        self.opt_d.zero_grad(set_to_none=True)
        (loss_d_rgb + loss_d_nir).backward()
        self._step(self.opt_d, weight)
        losses = {name: v.detach() for name, v in losses_g.items()}
        losses.update(loss_d_rgb=loss_d_rgb.detach(), loss_d_nir=loss_d_nir.detach())
        return {name: losses[name].float() for name in LOSS_NAMES}

    def _generator_losses(
        self, nir: Tensor, rgb: Tensor, rgb_registered: Tensor, mode: Mode
    ) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        nets_d = (self.d_rgb, self.d_nir)
        # 1. translate both ways and back (Eq. 2's cycles)
        fake_rgb = self.g_nir2rgb(self._net_input(nir))
        rec_nir = self.g_rgb2nir(fake_rgb)
        fake_nir = self.g_rgb2nir(self._net_input(rgb))
        rec_rgb = self.g_nir2rgb(fake_nir)
        # 2. generator update with the discriminators frozen: GAN (Eq. 1) + λ1·cycle + λ2·pair
        for d in nets_d:
            d.requires_grad_(False)
        loss_gan_nir2rgb = self.gan(self.d_rgb(fake_rgb), True)
        loss_gan_rgb2nir = self.gan(self.d_nir(fake_nir), True)
        loss_cycle_nir = cycle_loss(rec_nir, nir)
        loss_cycle_rgb = cycle_loss(rec_rgb, rgb)
        loss_pair_rgb = pair_loss(fake_rgb, rgb_registered)  # Eq. 3, paired and unpaired epochs
        if mode == "paired":
            loss_pair_nir = pair_loss(fake_nir, nir)  # Eq. 4: only when rgb is nir's own partner
        else:
            loss_pair_nir = torch.zeros((), device=nir.device)
        loss_g = (
            loss_gan_nir2rgb
            + loss_gan_rgb2nir
            + self.lambda_cycle * (loss_cycle_nir + loss_cycle_rgb)
            + self.lambda_pair * (loss_pair_rgb + loss_pair_nir)
        )
        # beyond the paper: structure, colour angle and edges of G_A(nir) against its registered RGB
        # (fp32 even under autocast: SSIM's variances lose everything in bf16)
        extra = {}
        for name, fn in (("ssim", ssim_loss), ("angle", angle_loss), ("edge", edge_loss)):
            weight = self.lambda_extra.get(name, 0.0)
            if weight:
                extra[name] = fn(fake_rgb.float(), rgb_registered.float())
                loss_g = loss_g + weight * extra[name]
            else:
                extra[name] = torch.zeros((), device=nir.device)
        return fake_rgb, fake_nir, {
            "loss_ssim_rgb": extra["ssim"],
            "loss_angle_rgb": extra["angle"],
            "loss_edge_rgb": extra["edge"],
            "loss_gan_nir2rgb": loss_gan_nir2rgb,
            "loss_gan_rgb2nir": loss_gan_rgb2nir,
            "loss_cycle_nir": loss_cycle_nir,
            "loss_cycle_rgb": loss_cycle_rgb,
            "loss_pair_rgb": loss_pair_rgb,
            "loss_pair_nir": loss_pair_nir,
            "loss_g": loss_g,
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            "models": {
                "g_nir2rgb": self.g_nir2rgb.state_dict(),
                "g_rgb2nir": self.g_rgb2nir.state_dict(),
                "d_rgb": self.d_rgb.state_dict(),
                "d_nir": self.d_nir.state_dict(),
            },
            "optimizers": {"opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()},
            "pools": {"rgb": self.pool_rgb.state_dict(), "nir": self.pool_nir.state_dict()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir"):
            getattr(self, name).load_state_dict(state["models"][name])
        self.opt_g.load_state_dict(state["optimizers"]["opt_g"])
        self.opt_d.load_state_dict(state["optimizers"]["opt_d"])
        self.pool_rgb.load_state_dict(state["pools"]["rgb"], self.device)
        self.pool_nir.load_state_dict(state["pools"]["nir"], self.device)


def epoch_order(data: TrainArrays, mode: Mode, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(nir_order, rgb_order) of one epoch: pair indices and (unpaired) RGB pool indices."""
    n = len(data.paired)
    if mode == "paired":
        return (order := rng.permutation(n)), order
    rgb_order = rng.permutation(data.unpaired_size)
    # an independent permutation of the NIR set, cycled to the pool's length
    reps = math.ceil(len(rgb_order) / n)
    nir_order = np.concatenate([rng.permutation(n) for _ in range(reps)])[: len(rgb_order)]
    return nir_order, rgb_order


def crop_offsets(rng: np.random.Generator, n: int, side: int, size: int) -> np.ndarray:
    """(n, 2) top-left corners of random size×size windows in side×side images (native crops)."""
    return rng.integers(0, side - size + 1, size=(n, 2))


def iterate_batches(
    data: TrainArrays, mode: Mode, batch_size: int, aug, rng: np.random.Generator,
    crop: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:  # fmt: skip
    """Yield augmented uint8 batches (nir, rgb, rgb_registered) for one epoch.

    `crop`: first cut a random crop×crop window out of each (native-size) image; a pair shares
    its window, an unpaired RGB image gets its own."""
    nir_order, rgb_order = epoch_order(data, mode, rng)
    if crop is not None:
        side = data.paired.nir.shape[1]
        pair_at = crop_offsets(rng, len(rgb_order), side, crop)
        rgb_at = crop_offsets(rng, len(rgb_order), side, crop)

    def window(img: np.ndarray, at) -> np.ndarray:
        return img if crop is None else img[at[0] : at[0] + crop, at[1] : at[1] + crop]

    for start in range(0, len(rgb_order), batch_size):
        nirs, rgbs, regs = [], [], []
        for n, (i, j) in enumerate(
            zip(nir_order[start : start + batch_size], rgb_order[start : start + batch_size]), start
        ):
            at = None if crop is None else pair_at[n]
            nir_aug, reg_aug = augment_pair(aug, window(data.paired.nir[i], at), window(data.paired.rgb[i], at))
            if mode == "paired":
                rgb_aug = reg_aug
            else:
                # geometry only: the contrast change is for NIR inputs, so feed a blank image
                rgb_img = window(data.unpaired_rgb(int(j)), None if crop is None else rgb_at[n])
                _, rgb_aug = augment_pair(aug, np.zeros(rgb_img.shape[:2], np.uint8), rgb_img)
            nirs.append(nir_aug)
            rgbs.append(rgb_aug)
            regs.append(reg_aug)
        yield np.stack(nirs), np.stack(rgbs), np.stack(regs)


class DeviceData:
    """The training set as uint8 tensors on the training device, augmented there in batches.

    `train.data_on_device`: no per-step host work or copies. The epoch's order comes from the same
    numpy draws as the host path; the augmentation draws (`augment_torch`, same distribution
    as the albumentations pipeline) are made for the whole epoch before its first step.
    At 256×256 the challenge's 372 pairs and 1,392-image pool take about 370 MB.
    """

    def __init__(self, data: TrainArrays, cfg: Config, device: torch.device) -> None:
        def put(a: np.ndarray) -> Tensor:
            return torch.from_numpy(np.array(a)).to(device)  # a copy: packs are read-only maps

        self.data = data
        self.cfg = cfg.augment
        self.size = cfg.model.image_size
        self.crop = cfg.model.image_size if cfg.model.native_crops else None
        self.side = crop_size(cfg.augment, self.size)
        self.device = device
        self.nir, self.rgb = put(data.paired.nir), put(data.paired.rgb)
        self.pool = torch.cat([put(data.online_rgb), self.rgb]) if len(data.online_rgb) else self.rgb

    def batches(
        self, mode: Mode, batch_size: int, rng: np.random.Generator, seed: int
    ) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
        nir_order, rgb_order = epoch_order(self.data, mode, rng)
        gen = torch.Generator().manual_seed(seed)
        n = len(rgb_order)
        if self.crop is not None:  # the same draws, in the same order, as iterate_batches
            side = self.nir.shape[1]
            pair_at = crop_offsets(rng, n, side, self.crop)
            rgb_at = crop_offsets(rng, n, side, self.crop)

        def window(images: Tensor, at: np.ndarray | None) -> Tensor:
            if at is None:
                return images
            c = self.crop
            return torch.stack([im[t : t + c, l : l + c] for im, (t, l) in zip(images, at)])

        pair_draws = augment_torch.draw(gen, n, self.cfg, self.size, self.side).to(self.device)
        if mode == "unpaired":
            rgb_draws = augment_torch.draw(gen, n, self.cfg, self.size, self.side).to(self.device)
        nir_idx = torch.from_numpy(nir_order).to(self.device)
        rgb_idx = torch.from_numpy(rgb_order).to(self.device)
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            p_at = None if self.crop is None else pair_at[sl]
            nir, reg = augment_torch.apply(
                window(self.nir[nir_idx[sl]], p_at), window(self.rgb[nir_idx[sl]], p_at),
                pair_draws.take(sl), self.side,
            )  # fmt: skip
            if mode == "paired":
                rgb = reg
            else:
                r_at = None if self.crop is None else rgb_at[sl]
                rgb = augment_torch.apply_rgb(window(self.pool[rgb_idx[sl]], r_at), rgb_draws.take(sl), self.side)
            yield nir, rgb, reg


@dataclass(frozen=True)
class PhaseResult:
    checkpoint: Path
    history: list[dict[str, Any]]
    resumed_from_epoch: int | None


def resume_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.resume{out.suffix}")


def _config_record(cfg: Config) -> dict[str, Any]:
    return cfg.model_dump(mode="json")


def _stale_resume(rpath: Path, variant: Variant, phase: Phase, cfg: Config,
                  provenance: dict[str, str] | None) -> str | None:  # fmt: skip
    """Why an existing resume file must not be continued, or None (also None when there is none)."""
    if not rpath.exists():
        return None
    try:
        state = load_checkpoint(rpath)
    except CheckpointError as err:
        return f"unreadable: {err}"
    if state["variant"] != variant or state["phase"] != phase:
        return f"it holds {state['variant']} {state['phase']}"
    if state["config"] != _config_record(cfg):
        return "it was trained with other parameters"
    theirs = state.get("provenance", {}).get("data_sha256")
    ours = (provenance or {}).get("data_sha256")
    if theirs and ours and theirs != ours:
        return "it was trained on other data"
    return None


def _check_compatible(state: dict[str, Any], variant: Variant, cfg: Config, path: Path) -> None:
    if state["variant"] != variant:
        raise CheckpointError(f"{path}: holds variant {state['variant']!r}, expected {variant!r}")
    theirs, ours = state["config"].get("model"), cfg.model.model_dump(mode="json")
    if theirs != ours:
        raise CheckpointError(f"{path}: model config differs (checkpoint {theirs}, params {ours})")


def run_phase(
    phase: Phase,
    *,
    variant: Variant,
    cfg: Config,
    data: TrainArrays,
    out: str | Path,
    init: str | Path | None = None,
    on_epoch_end: EpochCallback | None = None,
    progress: bool = True,
    provenance: dict[str, str] | None = None,
    val: PairArrays | None = None,
) -> PhaseResult:
    """Train one phase and write its checkpoint to `out`.

    `init` is the previous phase's checkpoint (required for phase2/phase3, absent for
    phase1). A `<out stem>.resume.pt` beside `out` is rewritten after every epoch; if one
    is found at start, the phase continues from it. `on_epoch_end(epoch, record)` gets the
    epoch's mean losses, learning rate, mode and timing (epoch is 1-based, global).
    `provenance` (e.g. the data digest) is stored in the checkpoint as given.
    With `val` and `train.val_every` = N > 0, every N-th epoch (and the phase's last) also scores
    the validation pairs by the inference rule (`inference.evaluate_generator`) and adds
    `val_psnr`, `val_ssim`, `val_ae` and `val_seconds` to its record.
    """
    out = Path(out)
    device = resolve_device(cfg.train.device)
    if cfg.train.num_threads:
        torch.set_num_threads(cfg.train.num_threads)
    n_epochs = cfg.schedule.count(phase)
    first_epoch = cfg.schedule.start_of(phase)  # 0-based global index
    data = training_arrays(data, cfg.model)

    parallel = data_parallel()  # under torchrun: this rank's share of each global batch
    main = parallel is None or parallel.is_main  # rank 0 alone writes files and reports
    torch.manual_seed(cfg.train.seed)
    net = CycleGAN.build(variant, cfg, device, parallel)
    history: list[dict[str, Any]] = []
    done = 0  # epochs of this phase already finished
    resumed_from: int | None = None
    rpath = resume_path(out)
    stale = _stale_resume(rpath, variant, phase, cfg, provenance)
    if parallel is not None:
        parallel.barrier()  # every rank has judged the resume file before rank 0 may remove it
    if stale and main:
        # a leftover from a run with other params or data: continuing it would mix two recipes
        warnings.warn(f"{rpath}: not resumed ({stale}); the phase starts from its beginning", stacklevel=2)
        rpath.unlink()
    if parallel is not None:
        parallel.barrier()
    if not stale and rpath.exists():
        state = load_checkpoint(rpath)
        net.load_state_dict(state)
        done = state["epoch"] - first_epoch
        history = list(state.get("history", []))
        resumed_from = state["epoch"]
    elif phase != "phase1":
        if init is None:
            raise ValueError(f"{phase} needs the previous phase's checkpoint (init=...)")
        state = load_checkpoint(init)
        _check_compatible(state, variant, cfg, Path(init))
        expected_prev = PHASES[PHASES.index(phase) - 1]
        if state["phase"] != expected_prev or not state["complete"]:
            raise CheckpointError(
                f"{init}: is {state['phase']} (complete={state['complete']}); "
                f"{phase} starts from a complete {expected_prev} checkpoint"
            )
        if state["epoch"] != first_epoch:
            raise CheckpointError(
                f"{init}: ends at epoch {state['epoch']}, but params put {phase}'s start at "
                f"epoch {first_epoch}; were schedule changed between phases?"
            )
        net.load_state_dict(state)

    aug = build_augmentation(cfg.augment, cfg.model.image_size)
    dev_data = DeviceData(data, cfg, device) if cfg.train.data_on_device else None
    bar = _progress_bar(progress and main, n_epochs, done, phase, variant)
    for k in range(done, n_epochs):
        epoch = first_epoch + k + 1  # 1-based global epoch number
        record = _train_epoch(net, data, dev_data, cfg, aug, phase, k, n_epochs, epoch, device, bar)
        last = k == n_epochs - 1
        if val is not None and cfg.train.val_every and (epoch % cfg.train.val_every == 0 or last):
            record.update(_validate(net.g_nir2rgb, val, data.scale, device))
        history.append(record)
        every = cfg.train.checkpoint_every
        snapshot = bool(every and epoch % every == 0 and not last)
        if main and (last or snapshot or (k + 1 - done) % cfg.train.resume_every == 0):
            state = _phase_state(net, variant, phase, epoch, last, cfg, history, provenance, data.scale)
            save_checkpoint(state, rpath)
            if snapshot:
                save_checkpoint(state, out.with_name(f"{out.stem}_epoch{epoch:04d}{out.suffix}"))
        if on_epoch_end is not None and main:
            on_epoch_end(epoch, record)
    if bar is not None:
        bar.close()
    if main:
        if n_epochs == 0 or done == n_epochs:
            # nothing to train (or an already finished resume file): still hand on a complete checkpoint
            epoch = first_epoch + n_epochs
            state = _phase_state(net, variant, phase, epoch, True, cfg, history, provenance, data.scale)
            save_checkpoint(state, rpath)
        # the final checkpoint appears only once the phase is complete
        rpath.replace(out)
    if parallel is not None:
        parallel.barrier()  # no rank returns before the checkpoint exists
    return PhaseResult(out, history, resumed_from)


def training_arrays(data: TrainArrays, model: ModelConfig) -> TrainArrays:
    """The training set at the model's scale, with `scale` updated to match: for `native_crops`,
    as packed (crops are cut per step) or resized ×crop_scale (bicubic); otherwise resized in
    memory to image_size (area averaging down, as ingest would)."""
    side = data.paired.nir.shape[1]
    size = side * model.crop_scale if model.native_crops else model.image_size
    if model.native_crops and size < model.image_size:
        raise ValueError(
            f"training images are {side}px (×{model.crop_scale} = {size}px), smaller than the "
            f"{model.image_size}px crops model.native_crops asks for; lower model.image_size"
        )
    if side == size:
        return data
    paired = PairArrays(resize_stack(data.paired.nir, size), resize_stack(data.paired.rgb, size), data.paired.stems)
    online = resize_stack(data.online_rgb, size) if len(data.online_rgb) else np.zeros((0, size, size, 3), np.uint8)
    return TrainArrays(paired, online, data.unpaired_source, data.scale * size / side)


def _phase_state(
    net: CycleGAN, variant: Variant, phase: Phase, epoch: int, complete: bool,
    cfg: Config, history: list[dict[str, Any]], provenance: dict[str, str] | None, scale: float,
) -> dict[str, Any]:  # fmt: skip
    return {
        "provenance": dict(provenance or {}),
        # the generator's scale: inference resizes an image by this factor, runs the generator and
        # resizes back (1.0 = native; 0.25 = trained on 256 px images resized to 64 px)
        "scale": float(scale),
        "variant": variant,
        "phase": phase,
        "epoch": epoch,
        "complete": complete,
        "config": _config_record(cfg),
        "history": history,
        "rng": {"torch": torch.get_rng_state(), "python": list(random.getstate()[1])},
        "torch_version": str(torch.__version__),
        **net.state_dict(),
    }


def _validate(g: torch.nn.Module, val: PairArrays, scale: float, device: torch.device) -> dict[str, float]:
    """Validation scores of the current NIR→RGB generator, by the same rule as `evaluate`."""
    from nircolor.inference import evaluate_generator  # pandas only where curves are asked for

    t0 = time.perf_counter()
    was_training = g.training
    g.eval()
    g.infer_scale = scale
    try:
        table, _ = evaluate_generator(g, val, device)
    finally:
        g.train(was_training)
    avg = table.iloc[-1]
    return {"val_psnr": float(avg["psnr"]), "val_ssim": float(avg["ssim"]), "val_ae": float(avg["ae"]),
            "val_seconds": time.perf_counter() - t0}  # fmt: skip


def _progress_bar(enabled: bool, total: int, initial: int, phase: str, variant: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=f"{variant} {phase}", unit="epoch", leave=True)


def _train_epoch(
    net: CycleGAN, data: TrainArrays, dev_data: DeviceData | None, cfg: Config, aug,
    phase: Phase, k: int, n_epochs: int, epoch: int, device: torch.device, bar,
) -> dict[str, Any]:  # fmt: skip
    seed = epoch_seed(cfg.train.seed, epoch)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    reseed(aug, seed)
    pool_gen = torch.Generator().manual_seed(seed)
    mode = epoch_mode(phase, k)
    lr = epoch_lr(phase, k, n_epochs, cfg.optim.lr)
    net.set_lr(lr)
    for m in (net.g_nir2rgb, net.g_rgb2nir, net.d_rgb, net.d_nir):
        m.train()
    if dev_data is not None:
        batches = dev_data.batches(mode, cfg.train.batch_size, rng, seed)
    else:
        batches = (
            tuple(torch.from_numpy(a) for a in b)
            for b in iterate_batches(
                data, mode, cfg.train.batch_size, aug, rng,
                cfg.model.image_size if cfg.model.native_crops else None,
            )  # fmt: skip
        )
    par = net.parallel
    rows: list[Tensor] = []  # per-step losses, kept on the device: no sync inside the epoch
    images = 0
    t0 = time.perf_counter()
    for step, (nir, rgb, reg) in enumerate(batches):
        n_global = len(nir)
        weight = 1.0
        if par is not None:  # this rank's slice of the global batch
            sl = par.chunk(n_global)
            nir, rgb, reg = nir[sl], rgb[sl], reg[sl]
            weight = len(nir) / n_global
        if len(nir):
            batch = [
                augment_torch.to_unit(x.to(device, non_blocking=True), net.memory_format)
                for x in (nir, rgb, reg)
            ]
            losses = net.train_step(*batch, mode, pool_gen, weight)
            rows.append(torch.stack([losses[name] for name in LOSS_NAMES]) * weight)
        else:
            net.idle_step()
            rows.append(torch.zeros(len(LOSS_NAMES), device=device))
        images += n_global
        if bar is not None and step % 10 == 0:
            bar.set_postfix_str(f"{mode} step {step + 1}", refresh=False)
    table = torch.stack(rows) if rows else torch.zeros(0, len(LOSS_NAMES), device=device)
    if par is not None:
        par.sum_(table)
    table = table.double().cpu()  # the epoch's one host sync
    seconds = time.perf_counter() - t0
    finite = torch.isfinite(table)
    if not bool(finite.all()):
        step = int((~finite.all(dim=1)).nonzero()[0])
        values = dict(zip(LOSS_NAMES, table[step].tolist()))
        bad = [name for name, v in values.items() if not math.isfinite(v)]
        raise NonFiniteLossError(
            f"non-finite {', '.join(f'{b}={values[b]}' for b in bad)} at epoch {epoch}, "
            f"step {step + 1} ({phase}, {mode}); the last good checkpoint is kept"
        )
    if bar is not None:
        bar.update(1)
    steps = len(table)
    means = (table.sum(dim=0) / max(steps, 1)).tolist()
    record: dict[str, Any] = dict(zip(LOSS_NAMES, means))
    record.update(
        epoch=epoch, phase=phase, mode=mode, lr=lr, steps=steps, images=images,
        seconds=seconds, images_per_s=images / seconds if seconds > 0 else float("nan"),
    )  # fmt: skip
    return record
