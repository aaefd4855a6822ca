"""Typed configuration: one frozen pydantic schema per params section, validated before any work."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Variant = str  # a key of `params.yaml: variants`
Arch = Literal["baseline", "dense"]  # generator architectures (models.unet)
Phase = Literal["phase1", "phase2", "phase3"]
Mode = Literal["paired", "unpaired"]
PHASES: tuple[Phase, ...] = ("phase1", "phase2", "phase3")
ARCHS: tuple[Arch, ...] = ("baseline", "dense")
VARIANTS: tuple[str, ...] = ARCHS  # the paper's two variants, always listed first
VARIANT_NAME = r"^[a-z][a-z0-9_]{0,31}$"

# The VCIP 2020 challenge's data: registered training pairs, RGB-Online images, validation pairs
CHALLENGE_PAIRS = 372
CHALLENGE_ONLINE = 1020
CHALLENGE_VAL = 18


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SynthConfig(_Section):
    """Size of the embedded synthetic dataset (defaults: the challenge's counts)."""

    n_pairs: int = Field(CHALLENGE_PAIRS, ge=1)
    n_unpaired: int = Field(CHALLENGE_ONLINE, ge=0)
    n_val: int = Field(CHALLENGE_VAL, ge=1)
    size: int = Field(256, ge=32)
    seed: int = 0


class AugmentConfig(_Section):
    """The paper's augmentation: contrast + crop-and-rescale together with p, then a mirror."""

    p_contrast_crop: float = Field(0.8, ge=0.0, le=1.0)
    contrast_range: tuple[float, float] = (0.5, 1.5)
    crop_fraction: float = Field(200 / 256, gt=0.0, le=1.0)  # 200×200 of 256×256
    p_flip: float = Field(0.5, ge=0.0, le=1.0)
    # Beyond the paper: an exposure gain k, log-uniform in (low, high), on each training pair's NIR
    # *and* its registered RGB together (both x·k, rounded, saturated), after the paper's
    # augmentation; unpaired RGB is left alone. [1, 1] = off: no draw, the paper's batches bit for bit.
    exposure_range: tuple[float, float] = (1.0, 1.0)
    # Beyond the paper: CutMix on training pairs. With probability p_cutmix a pair gets a square from
    # the batch's previous pair pasted into its NIR *and* its registered RGB at the same place (area
    # a fraction of the image, uniform in cutmix_area), so each pasted pixel keeps its own target;
    # unpaired RGB is left alone; it needs train.batch_size ≥ 2 (checked at load). 0 = off: no draw,
    # the paper's batches bit for bit.
    p_cutmix: float = Field(0.0, ge=0.0, le=1.0)
    cutmix_area: tuple[float, float] = (0.15, 0.5)

    @field_validator("contrast_range", "exposure_range")
    @classmethod
    def _ordered(cls, v: tuple[float, float], info) -> tuple[float, float]:
        if not 0.0 < v[0] <= v[1]:
            raise ValueError(f"{info.field_name} must be (low, high) with 0 < low <= high")
        return v

    @field_validator("cutmix_area")
    @classmethod
    def _fraction(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0.0 < v[0] <= v[1] <= 1.0:
            raise ValueError("cutmix_area must be (low, high) with 0 < low <= high <= 1")
        return v


class ModelConfig(_Section):
    """Generator and discriminator shape (reference CycleGAN unet_256 + 70×70 PatchGAN)."""

    image_size: int = Field(256, ge=32)
    ngf: int = Field(64, ge=1)
    ndf: int = Field(64, ge=1)
    disc_layers: int = Field(3, ge=1)
    dropout: bool = False
    # Generator: add a per-image colour offset read from the bottleneck to the output (models/unet.py,
    # ``global_colour``). Beyond the paper; false = the paper's generator, the same weights and step.
    global_colour: bool = False
    init_std: float = Field(0.02, gt=0.0)
    # generator architecture; None = the variant's own name (`baseline` or `dense`)
    arch: Arch | None = None
    # False: ingest resizes every image to image_size and the generator runs at that scale.
    # True: training images stay at their native size and each step takes random
    # image_size×image_size crops of them; the generator then runs at native scale.
    native_crops: bool = False
    # With native_crops: resize the training images by this whole factor before cropping, so the
    # generator runs at crop_scale × the native resolution (inference: upsample, translate, area
    # down). At 2 the U-Net's stride-2 first layer sees every native pixel: its finest skip
    # (H/2 of its input) is at native resolution, which keeps the fine structure SSIM scores.
    crop_scale: int = Field(1, ge=1, le=4)
    # Inference rule: average the generator's output on the image with its output on the mirrored
    # image (mirrored back). Every inference path (evaluate, colorize, serving, the validation
    # curves) reads it from the checkpoint. Beyond the paper; false = the paper's single pass.
    flip_average: bool = False
    # Inference rule: average the output over an N×N grid of 1-px translations of the input on the
    # image's own canvas (inference.phase_average), so it no longer depends on where the image sits
    # on the stride-2 grid of the generator's first layers (aliasing). N² passes (2·N² with
    # flip_average). Read from the checkpoint by every inference path. Beyond the paper; 1 = off.
    phase_average: int = Field(1, ge=1, le=4)
    # Inference rule: each output pixel's colour scaled by s around its own grey (the mean of its R, G,
    # B): l + s·(y − l) (inference.scale_chroma). s < 1 guesses every colour with less confidence,
    # which scores better where a model's colour for a new scene is wrong; choose it on training pairs
    # the model never trained on (`nircolor calibrate`), never on the validation pairs. Read from the
    # checkpoint by every inference path. Beyond the paper; 1 = off (the output unchanged bit for bit).
    chroma_scale: float = Field(1.0, gt=0.0, le=1.0)
    # Inference rule: 0 = the generator runs on the whole image. s > 0 = it runs on overlapping
    # image_size×image_size tiles (the size it was trained on) placed every s px, the last flush
    # with the far edge, and the tiles' outputs are blended with a Hann window
    # (inference.tiled_translate). A generator trained on crops then sees at inference what it
    # saw in training: the same extent for its instance norms and its innermost layers. Every
    # inference path reads it from the checkpoint. Beyond the paper; 0 = off.
    tile_stride: int = Field(0, ge=0)

    @field_validator("image_size")
    @classmethod
    def _power_of_two(cls, v: int) -> int:
        if v & (v - 1):
            raise ValueError(f"image_size must be a power of two >= 32, got {v}")
        return v

    @model_validator(mode="after")
    def _crop_scale_needs_crops(self) -> "ModelConfig":
        if self.crop_scale != 1 and not self.native_crops:
            raise ValueError(
                f"model.crop_scale {self.crop_scale} applies to native_crops training; set "
                "model.native_crops: true (without crops, image_size alone sets the scale)"
            )
        if self.tile_stride > self.image_size:
            raise ValueError(
                f"model.tile_stride {self.tile_stride} is larger than the tile (image_size "
                f"{self.image_size}): the tiles would leave gaps; use 1..{self.image_size}, or 0 for off"
            )
        return self


class LossConfig(_Section):
    """Eq. 1–5 weights: λ1 = lambda_cycle, λ2 = lambda_pair."""

    gan_mode: Literal["vanilla", "lsgan"] = "vanilla"
    lambda_cycle: float = Field(100.0, ge=0.0)
    lambda_pair: float = Field(60.0, ge=0.0)
    # Diagnostic, not the paper's: weight of the two adversarial terms in the generators' objective
    # (1 = the paper's; the discriminators train as before whatever it is)
    lambda_gan: float = Field(1.0, ge=0.0)
    # Terms beyond the paper on the NIR→RGB pair (0 = off; the paper's variants keep 0):
    lambda_ssim: float = Field(0.0, ge=0.0)  # 1 − SSIM(G(nir), rgb)
    lambda_angle: float = Field(0.0, ge=0.0)  # mean per-pixel angle between RGB vectors (rad)
    lambda_edge: float = Field(0.0, ge=0.0)  # L1 between Sobel gradients
    lambda_mse: float = Field(0.0, ge=0.0)  # squared error in [0, 1] (what PSNR scores)
    lambda_mean_colour: float = Field(0.0, ge=0.0)  # L1 between each image's mean R, G, B in [0, 1]


class OptimConfig(_Section):
    lr: float = Field(2e-4, gt=0.0)
    beta1: float = Field(0.5, ge=0.0, lt=1.0)
    beta2: float = Field(0.999, ge=0.0, lt=1.0)


class ScheduleConfig(_Section):
    """Epochs per phase: paper 1–250 paired, 250–550 alternating, 550–800 alternating + decay.

    Its own section so a DVC stage can depend on the phases it reads and no others."""

    phase1: int = Field(250, ge=0)
    phase2: int = Field(300, ge=0)
    phase3: int = Field(250, ge=0)

    def start_of(self, phase: Phase) -> int:
        """Global index (0-based) of the phase's first epoch."""
        return {"phase1": 0, "phase2": self.phase1, "phase3": self.phase1 + self.phase2}[phase]

    def count(self, phase: Phase) -> int:
        return getattr(self, phase)


class TrainConfig(_Section):
    batch_size: int = Field(1, ge=1)
    pool_size: int = Field(50, ge=0)
    seed: int = 0
    # the seed of the networks' initial weights alone; null = `seed` (which also draws every
    # epoch's data order, augmentation and pools), so the two can be told apart
    init_seed: int | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    checkpoint_every: int = Field(50, ge=0)  # extra snapshot every N epochs; 0 = phase end only
    # the resume file is rewritten every N epochs (a kill redoes at most N-1 epochs); a full
    # 256×256 checkpoint with optimizer states is about 1.3 GB, so fast GPU runs may raise it
    resume_every: int = Field(1, ge=1)
    num_threads: int = Field(0, ge=0)  # torch intra-op threads; 0 = torch's default
    # The fast path (docs/benchmarks.md): every switch off is the plain eager fp32 path.
    # bf16 autocast for the forward passes; auto = bf16 where the device runs it natively (a GPU
    # with bf16, a CPU with AVX-512 BF16 or AMX), fp32 elsewhere (device.resolve_precision)
    precision: Literal["fp32", "bf16", "auto"] = "fp32"
    channels_last: bool = False  # NHWC memory format for the networks and their inputs
    compile: bool = False  # torch.compile each network (first steps pay the compile time)
    fused_optim: bool = False  # fused Adam kernels
    data_on_device: bool = False  # training set resident on the device, augmented there
    nproc: int = Field(1, ge=1)  # data-parallel processes (torchrun); batch_size is the global batch
    val_every: int = Field(10, ge=0)  # score the validation pairs every N epochs (0 = off)
    # Exponential moving average of the NIR→RGB generator's weights, updated after every
    # generator step with this decay (warmed up: min(decay, (1 + n) / (10 + n)) at the n-th
    # update); checkpoints carry it and every inference path uses it. 0 = off (the paper's).
    ema_decay: float = Field(0.0, ge=0.0, lt=1.0)
    # Beyond the paper: phase 1 first trains `starts` starts (seeds seed, seed + 1, …) for `start_epochs`
    # epochs each and goes on with the one that scores best on the held-out training pairs
    # (ingest.holdout_pairs) by compare.metric; 1 = one start (the paper's)
    starts: int = Field(1, ge=1)
    start_epochs: int = Field(0, ge=0)


class PathsConfig(_Section):
    """Where the pipeline reads and writes, relative to the repository root."""

    data: str = "data"  # raw dataset in the challenge layout (tracked by data.dvc)
    artifacts: str = "artifacts"  # every DVC output


class IngestConfig(_Section):
    """Packing: optional CPU-scale subsets (a seeded draw; null keeps everything), and training pairs held
    out of training to choose the inference rule's saturation scale on (0 = none: the paper's recipe)."""

    limit_pairs: int | None = Field(None, ge=1)
    limit_online: int | None = Field(None, ge=0)
    holdout_pairs: int = Field(0, ge=0)
    seed: int = 0


class EvaluateConfig(_Section):
    batch_size: int = Field(6, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # the pairs the inference rule's saturation scale (model.chroma_scale, nircolor.calibrate) is fit on:
    # heldout = the pack's held-out training pairs (ingest.holdout_pairs; none held out: the scale stays
    # as set), train = a seeded draw of `chroma_fit_pairs` of the pairs the run trained on, off = no fit.
    # Never the validation pairs.
    chroma_fit: Literal["heldout", "train", "off"] = "heldout"
    chroma_fit_pairs: int = Field(96, ge=1)


class CompareConfig(_Section):
    """Champion rule: best average of `metric` on the validation pairs (ties: the next metrics)."""

    metric: Literal["psnr", "ssim", "ae"] = "psnr"
    fig3_images: int = Field(6, ge=1)


class TrackingConfig(_Section):
    experiment: str = "nir-colorization"
    registered_model: str = "nir-colorizer"
    log_checkpoints: bool = True  # upload phase checkpoints as MLflow artifacts


class VariantSpec(_Section):
    """One variant to train; `overrides` change the shared recipe for this variant only."""

    overrides: dict[str, Any] = Field(default_factory=dict)


class Config(_Section):
    """The whole recipe; each stage reads only the sections it needs."""

    paths: PathsConfig = PathsConfig()
    ingest: IngestConfig = IngestConfig()
    evaluate: EvaluateConfig = EvaluateConfig()
    compare: CompareConfig = CompareConfig()
    tracking: TrackingConfig = TrackingConfig()
    variants: dict[str, VariantSpec] = Field(
        default_factory=lambda: {"baseline": VariantSpec(), "dense": VariantSpec()}
    )
    synth: SynthConfig = SynthConfig()
    augment: AugmentConfig = AugmentConfig()
    model: ModelConfig = ModelConfig()
    loss: LossConfig = LossConfig()
    optim: OptimConfig = OptimConfig()
    train: TrainConfig = TrainConfig()
    schedule: ScheduleConfig = ScheduleConfig()

    def for_variant(self, variant: Variant) -> "Config":
        """The recipe with `variants.<variant>.overrides` applied (validated like the file)."""
        if variant not in self.variants:
            raise ConfigError(f"variant {variant!r} is not listed under `variants` in the params")
        overrides = self.variants[variant].overrides
        if not overrides:
            return self
        return _apply_overrides(self, variant)

    def arch_of(self, variant: Variant) -> Arch:
        """The generator architecture of a variant (`model.arch`, else the variant's name)."""
        return resolve_arch(variant, self.for_variant(variant).model)

    @model_validator(mode="after")
    def _variants_valid(self) -> "Config":
        for name, spec in self.variants.items():
            if not re.match(VARIANT_NAME, name):
                raise ValueError(f"variant name {name!r} must match {VARIANT_NAME}")
            resolve_arch(name, self.model.model_copy(update=spec.overrides.get("model", {})))
            bad = sorted(set(spec.overrides) - _OVERRIDABLE)
            if bad:
                raise ValueError(
                    f"variants.{name}.overrides may change {sorted(_OVERRIDABLE)}, not {bad}"
                )
            if spec.overrides:
                _apply_overrides(self, name)  # a bad override is an error at load time
        return self

    @model_validator(mode="after")
    def _cutmix_has_a_partner(self) -> "Config":
        if self.augment.p_cutmix > 0 and self.train.batch_size < 2:
            raise ValueError(
                "augment.p_cutmix pastes from another pair of the same batch, and train.batch_size is 1: "
                "set train.batch_size to 2 or more, or augment.p_cutmix to 0"
            )
        return self

    @model_validator(mode="after")
    def _starts_have_a_choice(self) -> "Config":
        t = self.train
        if t.starts > 1 and not 1 <= t.start_epochs <= self.schedule.phase1:
            raise ValueError(
                f"train.starts = {t.starts} trains each start train.start_epochs epochs of phase 1, which has "
                f"{self.schedule.phase1}: set train.start_epochs between 1 and schedule.phase1"
            )
        if t.starts > 1 and self.ingest.holdout_pairs == 0:
            raise ValueError(
                f"train.starts = {t.starts} chooses among starts on held-out training pairs: set "
                "ingest.holdout_pairs above 0, or train.starts to 1"
            )
        if t.starts > 1 and t.nproc > 1:
            raise ValueError("train.starts > 1 runs in one process: set train.nproc to 1")
        return self

    @model_validator(mode="after")
    def _crop_fits(self) -> "Config":
        crop = round(self.augment.crop_fraction * self.model.image_size)
        if crop < 8:
            raise ValueError(
                f"augment.crop_fraction × model.image_size = {crop} px; need at least 8"
            )
        return self


def resolve_arch(variant: Variant, model: ModelConfig) -> Arch:
    """`model.arch` when set, else the variant's name, which must then be an architecture."""
    arch = model.arch or variant
    if arch not in ARCHS:
        raise ValueError(
            f"variant {variant!r}: no generator architecture; set its model.arch to one of {list(ARCHS)}"
        )
    return arch  # type: ignore[return-value]


_OVERRIDABLE = {"augment", "model", "loss", "optim", "train", "schedule"}


def _apply_overrides(cfg: "Config", variant: str) -> "Config":
    tree = cfg.model_dump(mode="json")
    overrides = tree["variants"][variant].pop("overrides")
    tree["variants"] = {variant: {}}  # the result describes this variant alone
    _merge(tree, overrides)
    try:
        return Config.model_validate(tree)
    except ValidationError as err:
        lines = [f"variants.{variant}.overrides:"]
        for e in err.errors():
            key = ".".join(str(p) for p in e["loc"])
            lines.append(f"  variants.{variant}.overrides.{key}: {e['msg']}")
        raise ValueError("\n".join(lines)) from None


def _merge(tree: dict[str, Any], overrides: dict[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(tree.get(key), dict):
            _merge(tree[key], value)
        else:
            tree[key] = value


def shadowed_settings(
    cfg: "Config", settings: dict[str, Any], variants: list[str] | None = None
) -> list[str]:
    """The dotted `settings` (command-line `--set`, profile or `-S` keys) that never reach a variant's
    recipe because its own `variants.<variant>.overrides` set the same key to another value; one
    message for each, naming the key to set instead. `variants`: those to check (default: all)."""
    messages = []
    for variant in variants or list(cfg.variants):
        spec = cfg.variants.get(variant)
        own = dotted_leaves(spec.overrides) if spec else {}
        messages += [
            f"{key}={value!r} does not reach variant {variant!r}: its overrides set {key}: "
            f"{own[key]!r}; to change it there, set variants.{variant}.overrides.{key}"
            for key, value in settings.items()
            if key in own and own[key] != value
        ]
    return messages


def dotted_leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested params mapping as {dotted key: leaf value}; an empty mapping is a leaf."""
    if isinstance(node, dict) and node:
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(dotted_leaves(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: node}


class ConfigError(ValueError):
    """A params file that does not fit the schema; the message names every bad key."""


def _format_errors(err: ValidationError, source: str) -> str:
    lines = [f"invalid parameters in {source}:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {msg}" if key else f"  {msg}")
    return "\n".join(lines)


def parse_config(data: dict[str, Any] | None, source: str = "<dict>") -> Config:
    """Validate a params mapping; raise ConfigError naming each bad key."""
    try:
        return Config.model_validate(data or {})
    except ValidationError as err:
        raise ConfigError(_format_errors(err, source)) from None


def load_config(path: str | Path | None, overrides: dict[str, Any] | None = None) -> Config:
    """Read and validate a YAML params file (None: the paper's defaults); `overrides` maps
    dotted keys (`schedule.phase1`) to values."""
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        raw, source = _read_mapping(Path(path), "expected a mapping at the top level"), str(path)
    apply_overrides(raw, overrides or {})
    return parse_config(raw, source + (" + overrides" if overrides else ""))


def apply_overrides(tree: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set each dotted key of `overrides` (`train.batch_size` → value) in the params mapping
    `tree`, in place, creating sections as needed; returns `tree`. Not validated: pass the result
    to `parse_config`."""
    for dotted, value in overrides.items():
        _set_dotted(tree, dotted, value)
    return tree


def load_profile(path: str | Path) -> dict[str, Any]:
    """A profile (profiles/<name>.yaml): a mapping of dotted keys to values, as `load_config`'s
    `overrides` take them; an empty file is no overrides."""
    return _read_mapping(Path(path), "a profile maps dotted keys to values")


def _read_mapping(path: Path, not_a_mapping: str) -> dict[str, Any]:
    """A YAML file's top-level mapping ({} for an empty file); ConfigError naming the file."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {not_a_mapping}")
    return data


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """`key.sub=value` strings (command-line `--set`) → {dotted key: value}; values parse as YAML
    scalars, so 1e-4, true and [1, 2] keep their types."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"an override must be key=value, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    node = tree
    *parents, leaf = dotted.split(".")
    for i, p in enumerate(parents):
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set {dotted}: {'.'.join(parents[: i + 1])} is not a section")
    node[leaf] = value
