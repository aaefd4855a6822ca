"""The fast path: torch augmentation vs the albumentations reference, fast-path training, data parallelism."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from nircolor import augment_torch
from nircolor.augment import (
    apply_params,
    augment_pair_with_params,
    build_augmentation,
    crop_size,
)
from nircolor.config import AugmentConfig, load_config
from nircolor.data.packed import pack_dataset
from nircolor.data.validate import validate_dataset
from nircolor.training.batches import DeviceData, iterate_batches
from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.phase import resume_path, run_phase


def _images(n: int, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    blur = lambda a: cv2.GaussianBlur(a, (5, 5), 0)  # noqa: E731  (natural-ish, not white noise)
    nir = np.stack([blur(rng.integers(0, 256, (size, size), np.uint8)) for _ in range(n)])
    rgb = np.stack([blur(rng.integers(0, 256, (size, size, 3), np.uint8)) for _ in range(n)])
    return nir, rgb


@pytest.mark.parametrize("size", [64, 256])
def test_torch_augmentation_matches_the_reference_for_the_same_draws(size):
    cfg = AugmentConfig()
    side = crop_size(cfg, size)
    nir, rgb = _images(12, size)
    d = augment_torch.draw(torch.Generator().manual_seed(3), 12, cfg, size, side)
    assert d.gate.any() and (~d.gate).any() and d.flip.any() and (~d.flip).any()
    t_nir, t_rgb = augment_torch.apply(torch.from_numpy(nir), torch.from_numpy(rgb), d, side)
    for i in range(12):
        x0, y0, gated = int(d.x0[i]), int(d.y0[i]), bool(d.gate[i])
        r_nir, r_rgb = apply_params(
            nir[i], rgb[i], crop_box=(x0, y0, x0 + side, y0 + side) if gated else None,
            alpha=float(d.alpha[i]) if gated else None, flip=bool(d.flip[i]), out_size=size,
        )  # fmt: skip
        for ours, ref in ((t_nir[i].numpy(), r_nir), (t_rgb[i].numpy(), r_rgb)):
            diff = np.abs(ours.astype(int) - ref.astype(int))
            # uint8 bicubic: OpenCV's fixed-point weights vs float weights round differently
            assert diff.max() <= 1, (i, diff.max())
            assert diff.mean() < 0.05, (i, diff.mean())
    # geometry-only path for unpaired RGB: the same crops and flips
    g_rgb = augment_torch.apply_rgb(torch.from_numpy(rgb), d, side)
    assert np.abs(g_rgb.numpy().astype(int) - t_rgb.numpy().astype(int)).max() <= 1


def test_torch_draws_follow_the_albumentations_distribution():
    """Same gates, ranges and independence as the albumentations pipeline, over many draws."""
    cfg, size = AugmentConfig(), 64
    side = crop_size(cfg, size)
    n = 4000
    d = augment_torch.draw(torch.Generator().manual_seed(0), n, cfg, size, side)
    aug = build_augmentation(cfg, size, seed=0)
    nir, rgb = _images(1, size)
    ref = [augment_pair_with_params(aug, nir[0], rgb[0])[2] for _ in range(n)]
    r_gate = np.array([p.crop_box is not None for p in ref])
    r_flip = np.array([p.flip for p in ref])
    r_alpha = np.array([p.alpha for p in ref if p.alpha is not None])
    r_x0 = np.array([p.crop_box[0] for p in ref if p.crop_box])
    tol = 4 * math.sqrt(0.25 / n)  # four standard errors of a proportion
    for ours, theirs, p in ((d.gate.numpy(), r_gate, 0.8), (d.flip.numpy(), r_flip, 0.5)):
        assert abs(ours.mean() - p) < tol and abs(theirs.mean() - p) < tol
    # independence of mirror and gate (albumentations' shared-stream seeding needs it too)
    both = (d.gate & d.flip).float().mean().item()
    assert abs(both - 0.4) < tol
    a = d.alpha[d.gate].numpy()
    for arr in (a, r_alpha):
        assert arr.min() >= 0.5 and arr.max() <= 1.5 and abs(arr.mean() - 1.0) < 0.02
    x0 = d.x0[d.gate].numpy()
    for arr in (x0, r_x0):  # uniform integers on [0, size - side], both ends included
        assert arr.min() == 0 and arr.max() == size - side
        assert abs(arr.mean() - (size - side) / 2) < 0.6


def test_device_data_gives_the_same_batches_shape_and_order(tiny_pack, tiny_cfg):
    train, _ = tiny_pack
    dev = DeviceData(train, tiny_cfg.augment, tiny_cfg.model, torch.device("cpu"))
    for mode in ("paired", "unpaired"):
        ours = list(dev.batches(mode, 4, np.random.default_rng(5), seed=5))
        ref = list(iterate_batches(train, mode, 4, build_augmentation(tiny_cfg.augment, 32, seed=5),
                                   np.random.default_rng(5)))  # fmt: skip
        assert [len(b[0]) for b in ours] == [len(b[0]) for b in ref]
        for (n1, r1, g1), (n2, r2, g2) in zip(ours, ref):
            assert n1.dtype == torch.uint8 and n1.shape == n2.shape and r1.shape == r2.shape
            assert g1.shape == g2.shape


@pytest.mark.parametrize("fast", [
    {"train.precision": "bf16", "train.channels_last": True, "train.data_on_device": True,
     "train.fused_optim": True},
])  # fmt: skip
def test_fast_path_trains_and_resumes_exactly(tiny_pack, tmp_path, tiny_overrides, fast):
    """bf16 + channels_last + fused Adam + resident data: finite losses, and resume is bit-exact."""
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, **fast, "schedule.phase1": 3})
    kw = dict(variant="dense", cfg=cfg, data=train, progress=False)
    full = run_phase("phase1", out=tmp_path / "full.pt", **kw)
    assert all(math.isfinite(r["loss_g"]) for r in full.history)

    class Killed(Exception):
        pass

    def die(epoch, record):
        if epoch == 2:
            raise Killed

    with pytest.raises(Killed):
        run_phase("phase1", out=tmp_path / "cut.pt", on_epoch_end=die, **kw)
    assert resume_path(tmp_path / "cut.pt").exists()
    again = run_phase("phase1", out=tmp_path / "cut.pt", **kw)
    assert again.resumed_from_epoch == 2
    a, b = load_checkpoint(tmp_path / "full.pt")["models"], load_checkpoint(tmp_path / "cut.pt")["models"]
    for net in a:
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net}.{key}"


def test_two_process_data_parallel_matches_one_process(tiny_dataset, tmp_path, tiny_overrides):
    """torchrun with 2 gloo ranks vs one process with the same global batch (pool off: pools are per rank)."""
    from nircolor.training.distributed import run_phase_parallel

    packed = tmp_path / "packed"
    pack_dataset(validate_dataset(tiny_dataset), packed)
    from nircolor.data.packed import load_packed

    train, _, _ = load_packed(packed)
    # batch 4 over 6 pairs: the last global batch (2) splits 1 + 1; over the 10-image pool, 4+4+2
    over = {**tiny_overrides, "train.pool_size": 0, "train.batch_size": 4, "schedule.phase1": 2,
            "schedule.phase2": 1, "train.nproc": 2, "train.num_threads": 1}  # fmt: skip
    cfg = load_config(None, over)
    single = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "one" / "p1.pt",
                       progress=False)  # fmt: skip
    seen = []
    out = tmp_path / "ddp" / "p1.pt"
    res = run_phase_parallel("phase1", variant="dense", cfg=cfg, packed_dir=packed, out=out,
                             on_epoch_end=lambda e, r: seen.append(e), progress=False)  # fmt: skip
    assert seen == [1, 2]  # one record per epoch: rank 0 alone reports
    assert sorted(p.name for p in out.parent.iterdir()) == ["p1.pt"]  # written once, no leftovers
    a, b = load_checkpoint(single.checkpoint), load_checkpoint(out)
    assert b["complete"] and b["epoch"] == 2
    # Conv biases that feed an InstanceNorm have no effect and a gradient of pure rounding noise,
    # which Adam scales up to lr-sized steps in either run alike: they are compared through the
    # networks' outputs instead. Every other tensor must agree to float summation order.
    worst = max(
        (t - b["models"][net][key]).abs().max().item()
        for net in a["models"] for key, t in a["models"][net].items() if not key.endswith("bias")
    )  # fmt: skip
    assert worst < 1e-5, worst
    from nircolor.models import build_generator

    x = torch.rand(4, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    outs = []
    for state in (a, b):
        g = build_generator("dense", 1, 3, ngf=cfg.model.ngf, image_size=32).eval()
        g.load_state_dict(state["models"]["g_nir2rgb"])
        with torch.no_grad():
            outs.append(g(x))
    assert (outs[0] - outs[1]).abs().max().item() < 1e-4
    for ra, rb in zip(single.history, res.history):
        assert ra["loss_g"] == pytest.approx(rb["loss_g"], rel=1e-4)
    # phase 2 (unpaired + ragged batches) resumes from the 2-process phase 1 checkpoint
    res2 = run_phase_parallel("phase2", variant="dense", cfg=cfg, packed_dir=packed,
                              out=tmp_path / "ddp" / "p2.pt", init=out, progress=False)  # fmt: skip
    single2 = run_phase("phase2", variant="dense", cfg=cfg, data=train, out=tmp_path / "one" / "p2.pt",
                        init=single.checkpoint, progress=False)  # fmt: skip
    assert res2.history[0]["mode"] == "unpaired" and res2.history[0]["images"] == 10
    assert res2.history[0]["loss_g"] == pytest.approx(single2.history[0]["loss_g"], rel=1e-3)


def test_bench_reports_both_paths_their_ratio_and_matmul_fractions(tmp_path, capsys):
    """`nircolor bench --json PATH` at toy size: the keys a pipeline or a person tracks are there
    and consistent with the per-path figures (speed itself is not asserted: not a timed test)."""
    from nircolor.cli import main

    out = tmp_path / "bench.json"
    rc = main(["bench", "--device", "cpu", "--variant", "baseline", "--image-size", "32", "--steps", "1",
               "--warmup", "1", "--repeats", "2", "--infer-batch", "2", "--no-compile", "--json", str(out)])  # fmt: skip
    assert rc == 0
    table = capsys.readouterr().out
    assert "fast over eager" in table and "| baseline | eager |" in table and "| baseline | fast |" in table
    import json as _json

    report = _json.loads(out.read_text())
    entry = report["variants"]["baseline"]
    e, f = entry["paths"]["eager"], entry["paths"]["fast"]
    assert entry["train_speedup"] == pytest.approx(f["train"]["images_per_s"] / e["train"]["images_per_s"])
    assert entry["infer_speedup"] == pytest.approx(f["infer"]["images_per_s"] / e["infer"]["images_per_s"])
    frac = entry["matmul_fraction"]
    assert frac["eager"]["against"] == "fp32" and frac["fast"]["against"] == "bf16"
    mm = report["matmul_flops"]
    assert frac["fast"]["train"] == pytest.approx(f["train"]["achieved_flops"] / mm["bf16"])
    # the same convolutions whatever the precision or layout
    assert e["train"]["flop_per_image"] > 0 and f["train"]["flop_per_image"] == e["train"]["flop_per_image"]
    assert e["paired_epoch_s"] == pytest.approx(372 / e["train"]["images_per_s"])
