"""One resumable training phase: resume files, the phase checkpoint, the epoch loop and its validation hook.

Determinism: every epoch re-derives its RNGs (order, augmentation, pool draws) from
(seed, epoch), and the image pools travel in checkpoints, so a phase killed after epoch k and
run again continues from epoch k + 1 and, on CPU, ends with the same weights as an
uninterrupted run. `model.native_crops` trains on random image_size crops of native-resolution
images (or of images enlarged ×`model.crop_scale`) instead of images resized to image_size
(batches.py).

Process-global torch settings (threads, cudnn.benchmark, dynamo limits) are the caller's:
entry points call `nircolor.device.configure_runtime` before `run_phase`.
"""

from __future__ import annotations

import glob
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from nircolor.augment import build_augmentation
from nircolor.config import PHASES, Config, ModelConfig, Phase, Variant
from nircolor.data.packed import PairArrays, TrainArrays
from nircolor.device import resolve_device
from nircolor.training.batches import DeviceData, training_arrays
from nircolor.training.checkpoint import (
    CheckpointError,
    load_checkpoint,
    remove_partial_writes,
    save_checkpoint,
)
from nircolor.training.cyclegan import CycleGAN
from nircolor.training.epoch import train_epoch
from nircolor.training.parallel import data_parallel

EpochCallback = Callable[[int, dict[str, Any]], None]


@dataclass(frozen=True)
class PhaseResult:
    checkpoint: Path
    history: list[dict[str, Any]]
    resumed_from_epoch: int | None
    # train.starts > 1: the seeds tried, their held-out scores and the chosen index (phase 1 writes it,
    # phases 2 and 3 carry it on); None for a single start
    start: dict[str, Any] | None = None


def resume_path(out: Path) -> Path:
    """The phase's resume file beside its checkpoint `out`: `<stem>.resume<suffix>`."""
    return out.with_name(f"{out.stem}.resume{out.suffix}")


def snapshot_path(out: Path, epoch: int) -> Path:
    """The extra snapshot `train.checkpoint_every` writes after global epoch `epoch`."""
    return out.with_name(f"{out.stem}_epoch{epoch:04d}{out.suffix}")


def _remove_partial_writes(out: Path) -> list[Path]:
    """Leftover temporaries of the phase's checkpoint, resume file and snapshots (a kill during a
    save leaves one; the next start of the phase removes them)."""
    snapshots = glob.escape(out.stem) + "_epoch*" + glob.escape(out.suffix)
    return [
        *remove_partial_writes(out), *remove_partial_writes(resume_path(out)),
        *remove_partial_writes(out.parent / snapshots, pattern=True),
    ]  # fmt: skip


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
    heldout: PairArrays | None = None,
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
    `heldout`: the pack's held-out training pairs, which choose among phase 1's starts
    (`train.starts` > 1; module docstring).
    """
    out = Path(out)
    device = resolve_device(cfg.train.device)
    n_epochs = cfg.schedule.count(phase)
    first_epoch = cfg.schedule.start_of(phase)  # 0-based global index
    data = training_arrays(data, cfg.model)

    parallel = data_parallel()  # under torchrun: this rank's share of each global batch
    main = parallel is None or parallel.is_main  # rank 0 alone writes files and reports
    torch.manual_seed(cfg.train.seed if cfg.train.init_seed is None else cfg.train.init_seed)
    net = CycleGAN.build(variant, cfg, device, parallel)
    history: list[dict[str, Any]] = []
    done = 0  # epochs of this phase already finished
    resumed_from: int | None = None
    start: dict[str, Any] | None = None  # the starts' record (train.starts > 1)
    rpath = resume_path(out)
    if main:
        _remove_partial_writes(out)  # temporaries of saves a kill cut short
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
        start = state.get("start")
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
        start = state.get("start")

    aug = build_augmentation(cfg.augment, cfg.model.image_size)
    dev_data = DeviceData(data, cfg.augment, cfg.model, device) if cfg.train.data_on_device else None
    trials = phase == "phase1" and cfg.train.starts > 1 and resumed_from is None
    extra = (cfg.train.starts - 1) * cfg.train.start_epochs if trials else 0
    bar = _progress_bar(progress and main, n_epochs + extra, done, phase, variant)
    if trials:
        net, history, start = _try_starts(
            variant, cfg, data, aug, dev_data, heldout, val, device, parallel, bar,
            on_epoch_end if main else None,
        )  # fmt: skip
        done = cfg.train.start_epochs
    run_cfg = start_config(cfg, start["chosen"]) if start else cfg  # its seed draws every epoch from here on
    for k in range(done, n_epochs):
        epoch = first_epoch + k + 1  # 1-based global epoch number
        record = train_epoch(
            net, data=data, cfg=run_cfg, aug=aug, phase=phase, index=k, n_epochs=n_epochs, epoch=epoch,
            device_data=dev_data, bar=bar,
        )  # fmt: skip
        last = k == n_epochs - 1
        if val is not None and cfg.train.val_every and (epoch % cfg.train.val_every == 0 or last):
            record.update(_validate(net.inference_generator(), val, data.scale, device, cfg.model))
        history.append(record)
        every = cfg.train.checkpoint_every
        snapshot = bool(every and epoch % every == 0 and not last)
        if main and (last or snapshot or (k + 1 - done) % cfg.train.resume_every == 0):
            state = _phase_state(net, variant, phase, epoch, last, cfg, history, provenance, data.scale, start)
            save_checkpoint(state, rpath)
            if snapshot:
                save_checkpoint(state, snapshot_path(out, epoch))
        if on_epoch_end is not None and main:
            on_epoch_end(epoch, record)
    if bar is not None:
        bar.close()
    if main:
        if n_epochs == 0 or done == n_epochs:
            # nothing (more) to train: an already finished resume file, or starts as long as the phase
            epoch = first_epoch + n_epochs
            state = _phase_state(net, variant, phase, epoch, True, cfg, history, provenance, data.scale, start)
            save_checkpoint(state, rpath)
        # the final checkpoint appears only once the phase is complete
        rpath.replace(out)
    if parallel is not None:
        parallel.barrier()  # no rank returns before the checkpoint exists
    return PhaseResult(out, history, resumed_from, start)


def start_config(cfg: Config, index: int) -> Config:
    """Start `index`'s config: `train.seed` (and `train.init_seed` where set) moved by `index`; start 0 is
    the run's own."""
    if index == 0:
        return cfg
    t = cfg.train
    moved = {"seed": t.seed + index, "init_seed": None if t.init_seed is None else t.init_seed + index}
    return cfg.model_copy(update={"train": t.model_copy(update=moved)})


def starts_line(start: dict[str, Any]) -> str:
    """One line on a run's starts: each seed's held-out score and the one kept."""
    metric = start["metric"]
    fmt = {"psnr": "{:.2f} dB", "ssim": "{:.3f}", "ae": "{:.2f}°"}[metric]
    tried = ", ".join(f"seed {s} {fmt.format(v)}" for s, v in zip(start["seeds"], start["scores"], strict=True))
    k = start["epochs"]
    return (f"starts after {k} epoch{'' if k == 1 else 's'}, mean {metric.upper()} on {start['heldout_pairs']} held-out "
            f"pairs: {tried}; kept seed {start['seed']}")  # fmt: skip


def _try_starts(
    variant: Variant, cfg: Config, data: TrainArrays, aug, dev_data: DeviceData | None,
    heldout: PairArrays | None, val: PairArrays | None, device: torch.device, parallel, bar,
    on_epoch_end: EpochCallback | None,
) -> tuple[CycleGAN, list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    """Train `train.starts` starts for `train.start_epochs` epochs each; keep the best on the held-out
    pairs by `compare.metric`. Returns its network, its epochs' records and the starts' record."""
    if heldout is None or len(heldout) == 0:
        raise ValueError(
            f"train.starts = {cfg.train.starts} chooses among starts on held-out training pairs, and the "
            "pack holds none: set ingest.holdout_pairs (and re-run ingest), or train.starts to 1"
        )
    metric = cfg.compare.metric
    k, n_epochs = cfg.train.start_epochs, cfg.schedule.count("phase1")
    seeds: list[int] = []
    scores: list[float] = []
    histories: list[list[dict[str, Any]]] = []
    best: CycleGAN | None = None
    chosen = -1
    for i in range(cfg.train.starts):
        scfg = start_config(cfg, i)
        torch.manual_seed(scfg.train.seed if scfg.train.init_seed is None else scfg.train.init_seed)
        net = CycleGAN.build(variant, scfg, device, parallel)
        history: list[dict[str, Any]] = []
        for index in range(k):
            epoch = index + 1
            record = train_epoch(
                net, data=data, cfg=scfg, aug=aug, phase="phase1", index=index, n_epochs=n_epochs, epoch=epoch,
                device_data=dev_data, bar=bar,
            )  # fmt: skip
            record["start"] = i
            every = cfg.train.val_every
            if val is not None and every and (epoch % every == 0 or epoch == k):
                record.update(_validate(net.inference_generator(), val, data.scale, device, cfg.model))
            history.append(record)
            if on_epoch_end is not None:
                on_epoch_end(epoch, record)
        held = _validate(net.inference_generator(), heldout, data.scale, device, cfg.model)
        history[-1].update({f"heldout_{m}": held[f"val_{m}"] for m in ("psnr", "ssim", "ae")})
        score = held[f"val_{metric}"]
        seeds.append(scfg.train.seed)
        scores.append(score)
        histories.append(history)
        if chosen < 0 or (score < scores[chosen] if metric == "ae" else score > scores[chosen]):  # ties: the first
            best, chosen = net, i
    assert best is not None
    record = {
        "metric": metric, "epochs": k, "heldout_pairs": len(heldout), "seeds": seeds, "scores": scores,
        "chosen": chosen, "seed": seeds[chosen],
        "histories": {str(j): h for j, h in enumerate(histories) if j != chosen},  # the starts left behind
    }  # fmt: skip
    return best, histories[chosen], record


def _phase_state(
    net: CycleGAN, variant: Variant, phase: Phase, epoch: int, complete: bool,
    cfg: Config, history: list[dict[str, Any]], provenance: dict[str, str] | None, scale: float,
    start: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        **({"start": start} if start else {}),
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


def _validate(
    g: torch.nn.Module, val: PairArrays, scale: float, device: torch.device, model: ModelConfig
) -> dict[str, float]:
    """Validation scores of the current NIR→RGB generator (its EMA where kept), by the same rule as
    `evaluate`."""
    from nircolor.inference import (  # pandas only where curves are asked for
        evaluate_generator,
        set_rule,
    )

    t0 = time.perf_counter()
    was_training = g.training
    g.eval()
    g.infer_scale = scale
    set_rule(g, model)
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
