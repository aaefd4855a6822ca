"""The CycleGAN of the VCIP 2020 paper: four networks, their optimizers and image pools, and one training step.

Paper ↔ code:
    G_A  (NIR → RGB generator)      g_nir2rgb
    G_B  (RGB → NIR generator)      g_rgb2nir
    D_A  (judges RGB images)        d_rgb
    D_B  (judges NIR images)        d_nir
    λ1   (cycle-consistency weight) loss.lambda_cycle = 100
    λ2   (pair L1 weight)           loss.lambda_pair  = 60

Beyond the paper (0 = off, and 0 for the paper's variants, whose step is then unchanged bit for
bit): loss.lambda_ssim, lambda_angle, lambda_edge, lambda_mse and lambda_mean_colour add 1 − SSIM, the RGB
angle, Sobel gradient L1, the squared error and the L1 between the per-image mean colours of G_A(nir) against
its registered RGB to the generator objective (losses.py).
train.ema_decay > 0 keeps an exponential moving average of G_A's weights beside it (`ema_nir2rgb`),
updated after every generator step; it is what the checkpoints hand to inference. At 0 nothing of it
exists and the step is the paper's.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from nircolor.config import Config, Mode, Variant, resolve_arch
from nircolor.device import resolve_precision
from nircolor.losses import (
    GANLoss,
    angle_loss,
    cycle_loss,
    discriminator_loss,
    edge_loss,
    mean_colour_loss,
    pair_loss,
    squared_error_loss,
    ssim_loss,
)  # fmt: skip
from nircolor.models import build_discriminator, build_generator, generator_options
from nircolor.training.parallel import DataParallel
from nircolor.training.pool import ImagePool

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
    "loss_mse_rgb",
    "loss_mean_colour_rgb",
    "loss_g",
    "loss_d_rgb",
    "loss_d_nir",
)


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
    # weights of the terms beyond the paper, by name ("ssim", "angle", "edge", "mse", "mean_colour"); 0 = not computed
    lambda_extra: dict[str, float] = field(default_factory=dict)
    # EMA of g_nir2rgb's weights (train.ema_decay > 0), and how many updates it has had
    ema_nir2rgb: torch.nn.Module | None = None
    ema_decay: float = 0.0
    ema_updates: int = 0
    # weight of the generators' adversarial terms (loss.lambda_gan, a diagnostic; 1 = the paper's)
    lambda_gan: float = 1.0

    @classmethod
    def build(
        cls, variant: Variant, cfg: Config, device: torch.device,
        parallel: DataParallel | None = None,
    ) -> CycleGAN:  # fmt: skip
        m, t = cfg.model, cfg.train
        fmt = torch.channels_last if t.channels_last else torch.contiguous_format
        gen = generator_options(m)
        disc = {"ndf": m.ndf, "n_layers": m.disc_layers, "init_std": m.init_std}
        arch = resolve_arch(variant, m)
        g_nir2rgb = build_generator(arch, 1, 3, **gen).to(device, memory_format=fmt)
        g_rgb2nir = build_generator(arch, 3, 1, **gen).to(device, memory_format=fmt)
        d_rgb = build_discriminator(3, **disc).to(device, memory_format=fmt)
        d_nir = build_discriminator(1, **disc).to(device, memory_format=fmt)
        ema = None
        if t.ema_decay > 0:
            ema = build_generator(arch, 1, 3, **gen).to(device, memory_format=fmt)
            ema.load_state_dict(g_nir2rgb.state_dict())
            ema.requires_grad_(False)
        if t.compile:
            # in place: parameter names (and so checkpoints) stay those of the plain modules;
            # dynamo's trace limit and cudnn.benchmark are the entry point's (device.configure_runtime)
            for net in (g_nir2rgb, g_rgb2nir, d_rgb, d_nir):
                net.compile(dynamic=False)
        adam = {"lr": cfg.optim.lr, "betas": (cfg.optim.beta1, cfg.optim.beta2)}
        if t.fused_optim:
            adam["fused"] = True
        opt_g = torch.optim.Adam([*g_nir2rgb.parameters(), *g_rgb2nir.parameters()], **adam)
        opt_d = torch.optim.Adam([*d_rgb.parameters(), *d_nir.parameters()], **adam)
        return cls(
            g_nir2rgb, g_rgb2nir, d_rgb, d_nir, opt_g, opt_d,
            ImagePool(t.pool_size), ImagePool(t.pool_size),
            GANLoss(cfg.loss.gan_mode), cfg.loss.lambda_cycle, cfg.loss.lambda_pair, device,
            torch.bfloat16 if resolve_precision(t.precision, device) == "bf16" else None, fmt, parallel,
            {"ssim": cfg.loss.lambda_ssim, "angle": cfg.loss.lambda_angle, "edge": cfg.loss.lambda_edge,
             "mse": cfg.loss.lambda_mse, "mean_colour": cfg.loss.lambda_mean_colour},
            ema, t.ema_decay, lambda_gan=cfg.loss.lambda_gan,
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
            if opt is self.opt_g:
                self.update_ema()

    @torch.no_grad()
    def update_ema(self) -> None:
        """Move the EMA generator towards g_nir2rgb: decay min(ema_decay, (1 + n) / (10 + n)) at
        the n-th update, so the first updates follow the young weights closely."""
        if self.ema_nir2rgb is None:
            return
        n = self.ema_updates
        decay = min(self.ema_decay, (1.0 + n) / (10.0 + n))
        live = [p.detach() for p in self.g_nir2rgb.parameters()]
        torch._foreach_lerp_(list(self.ema_nir2rgb.parameters()), live, 1.0 - decay)
        self.ema_updates = n + 1

    def inference_generator(self) -> torch.nn.Module:
        """The NIR→RGB generator inference uses: the EMA one when kept, else g_nir2rgb."""
        return self.ema_nir2rgb if self.ema_nir2rgb is not None else self.g_nir2rgb

    def set_lr(self, lr: float) -> None:
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = lr

    def train_step(
        self, nir: Tensor, rgb: Tensor, rgb_registered: Tensor, mode: Mode, gen: torch.Generator,
        weight: float = 1.0,
    ) -> dict[str, Tensor]:  # fmt: skip
        """One CycleGAN step (paper §3). `rgb` is the registered partner (paired) or an unpaired image.

        nir (B, 1, H, W), rgb and rgb_registered (B, 3, H, W), all in [-1, 1]. `gen` draws the
        image pools' choices. Under data parallelism `weight` is this rank's share of the global
        batch (its gradients' weight).
        """
        discriminators = (self.d_rgb, self.d_nir)
        with self._autocast():
            # 1. translate both ways and back (Eq. 2's cycles)
            fake_rgb = self.g_nir2rgb(self._net_input(nir))
            rec_nir = self.g_rgb2nir(fake_rgb)
            fake_nir = self.g_rgb2nir(self._net_input(rgb))
            rec_rgb = self.g_nir2rgb(fake_nir)
            # 2. freeze the discriminators: the generator loss flows through them, not into them
            for d in discriminators:
                d.requires_grad_(False)
            # 3. generator loss: GAN (Eq. 1) + λ1·cycle + λ2·pair (+ the optional extra terms)
            losses_g = self.generator_losses(nir, rgb, rgb_registered, mode, fake_rgb, rec_nir, fake_nir, rec_rgb)
        # 4. generator update
        self.opt_g.zero_grad(set_to_none=True)
        losses_g["loss_g"].backward()
        self._step(self.opt_g, weight)
        self.update_ema()
        # 5. unfreeze the discriminators
        for d in discriminators:
            d.requires_grad_(True)
        # 6. discriminator update on real vs pooled fakes, 0.5·(real + fake) each
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

    def generator_losses(
        self, nir: Tensor, rgb: Tensor, rgb_registered: Tensor, mode: Mode,
        fake_rgb: Tensor, rec_nir: Tensor, fake_nir: Tensor, rec_rgb: Tensor,
    ) -> dict[str, Tensor]:  # fmt: skip
        """The generator objective's terms and their sum `loss_g`, from one step's translations.

        Computes only: freezing the discriminators and the update are `train_step`'s.
        """
        loss_gan_nir2rgb = self.gan(self.d_rgb(fake_rgb), True)
        loss_gan_rgb2nir = self.gan(self.d_nir(fake_nir), True)
        loss_cycle_nir = cycle_loss(rec_nir, nir)
        loss_cycle_rgb = cycle_loss(rec_rgb, rgb)
        loss_pair_rgb = pair_loss(fake_rgb, rgb_registered)  # Eq. 3, paired and unpaired epochs
        if mode == "paired":
            loss_pair_nir = pair_loss(fake_nir, nir)  # Eq. 4: only when rgb is nir's own partner
        else:
            loss_pair_nir = torch.zeros((), device=nir.device)
        loss_gan = loss_gan_nir2rgb + loss_gan_rgb2nir
        if self.lambda_gan != 1.0:  # the paper's weight leaves its sum untouched, bit for bit
            loss_gan = self.lambda_gan * loss_gan
        loss_g = (
            loss_gan
            + self.lambda_cycle * (loss_cycle_nir + loss_cycle_rgb)
            + self.lambda_pair * (loss_pair_rgb + loss_pair_nir)
        )
        # beyond the paper: structure, colour angle, edges, squared error and mean colour of G_A(nir) against
        # its registered RGB (fp32 even under autocast: SSIM's variances lose everything in bf16)
        extra = {}
        terms = (("ssim", ssim_loss), ("angle", angle_loss), ("edge", edge_loss), ("mse", squared_error_loss),
                 ("mean_colour", mean_colour_loss))
        for name, fn in terms:
            weight = self.lambda_extra.get(name, 0.0)
            if weight:
                extra[name] = fn(fake_rgb.float(), rgb_registered.float())
                loss_g = loss_g + weight * extra[name]
            else:
                extra[name] = torch.zeros((), device=nir.device)
        return {
            "loss_ssim_rgb": extra["ssim"],
            "loss_angle_rgb": extra["angle"],
            "loss_edge_rgb": extra["edge"],
            "loss_mse_rgb": extra["mse"],
            "loss_mean_colour_rgb": extra["mean_colour"],
            "loss_gan_nir2rgb": loss_gan_nir2rgb,
            "loss_gan_rgb2nir": loss_gan_rgb2nir,
            "loss_cycle_nir": loss_cycle_nir,
            "loss_cycle_rgb": loss_cycle_rgb,
            "loss_pair_rgb": loss_pair_rgb,
            "loss_pair_nir": loss_pair_nir,
            "loss_g": loss_g,
        }

    def state_dict(self) -> dict[str, Any]:
        state = {
            "models": {
                "g_nir2rgb": self.g_nir2rgb.state_dict(),
                "g_rgb2nir": self.g_rgb2nir.state_dict(),
                "d_rgb": self.d_rgb.state_dict(),
                "d_nir": self.d_nir.state_dict(),
            },
            "optimizers": {"opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()},
            "pools": {"rgb": self.pool_rgb.state_dict(), "nir": self.pool_nir.state_dict()},
        }
        if self.ema_nir2rgb is not None:
            state["ema"] = {"g_nir2rgb": self.ema_nir2rgb.state_dict(), "updates": self.ema_updates}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir"):
            getattr(self, name).load_state_dict(state["models"][name])
        self.opt_g.load_state_dict(state["optimizers"]["opt_g"])
        self.opt_d.load_state_dict(state["optimizers"]["opt_d"])
        self.pool_rgb.load_state_dict(state["pools"]["rgb"], self.device)
        self.pool_nir.load_state_dict(state["pools"]["nir"], self.device)
        if self.ema_nir2rgb is not None:
            if "ema" in state:  # a checkpoint of the same recipe
                self.ema_nir2rgb.load_state_dict(state["ema"]["g_nir2rgb"])
                self.ema_updates = int(state["ema"]["updates"])
            else:  # none kept yet: the average starts from the loaded weights
                self.ema_nir2rgb.load_state_dict(state["models"]["g_nir2rgb"])
                self.ema_updates = 0


