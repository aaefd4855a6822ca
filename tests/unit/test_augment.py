"""Paired augmentation: rates, shared geometry, contrast, bicubic, seeding, serialization."""

from __future__ import annotations

import json
import os
import random

import albumentations as A
import cv2
import numpy as np
import pytest

from nircolor.augment import (
    AppliedParams,
    apply_params,
    augment_pair,
    augment_pair_with_params,
    build_augmentation,
    crop_size,
    describe_augmentation,
    epoch_seed,
    load_augmentation,
    reseed,
    save_augmentation,
)
from nircolor.config import AugmentConfig

CFG = AugmentConfig()


def _pair(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    nir = rng.integers(0, 256, (size, size), dtype=np.uint8)
    rgb = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    return nir, rgb


def _smooth(size: int, seed: int = 0) -> np.ndarray:
    """A smooth, asymmetric uint8 image: blurred noise plus a ramp, so flips and shifts show."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 40, (size, size)).astype(np.float32), (0, 0), 3)
    ramp = np.linspace(60, 190, size, dtype=np.float32)[None, :]
    return np.clip(noise + ramp, 0, 255).astype(np.uint8)


def _geometry_only(rgb: np.ndarray, p: AppliedParams, size: int, interp: int = cv2.INTER_CUBIC):
    """The RGB target computed independently of the module: crop, resize, mirror — no contrast."""
    out = rgb
    if p.crop_box is not None:
        x0, y0, x1, y1 = p.crop_box
        out = cv2.resize(rgb[y0:y1, x0:x1], (size, size), interpolation=interp)
    return out[:, ::-1] if p.flip else out


def test_crop_size_scales_with_image_size():
    assert [crop_size(CFG, s) for s in (256, 128, 64, 32)] == [200, 100, 50, 25]
    with pytest.raises(ValueError):
        crop_size(AugmentConfig(crop_fraction=0.01), 32)


def test_branch_rates_gate_together_and_are_independent_of_the_flip():
    aug = build_augmentation(CFG, 64, seed=11)
    nir, rgb = _pair(64)
    draws = [augment_pair_with_params(aug, nir, rgb)[2] for _ in range(400)]
    cropped = np.array([d.crop_box is not None for d in draws])
    contrasted = np.array([d.alpha is not None for d in draws])
    flipped = np.array([d.flip for d in draws])
    # One Sequential gate: contrast and crop happen together or not at all.
    assert np.array_equal(cropped, contrasted)
    # Binomial(400) std ≈ 0.02–0.025; tolerances are ~3σ.
    assert abs(cropped.mean() - 0.8) < 0.07
    assert abs(flipped.mean() - 0.5) < 0.08
    # Independent gates: P(crop ∧ flip) ≈ 0.4. Per-transform seeding (Compose.set_random_seed)
    # would make every flipped sample also cropped, i.e. ≈ 0.5 here.
    assert abs((cropped & flipped).mean() - 0.4) < 0.07
    assert (flipped & ~cropped).sum() > 20


def test_alpha_spans_the_configured_range():
    aug = build_augmentation(CFG, 32, seed=3)
    nir, rgb = _pair(32)
    alphas = []
    while len(alphas) < 400:
        a = augment_pair_with_params(aug, nir, rgb)[2].alpha
        if a is not None:
            alphas.append(a)
    alphas = np.array(alphas)
    assert alphas.min() >= 0.5 and alphas.max() <= 1.5
    assert alphas.min() < 0.55 and alphas.max() > 1.45  # covers the range, not a sub-range
    assert abs(alphas.mean() - 1.0) < 0.05  # U(0.5, 1.5): std of the mean ≈ 0.014


def test_nir_and_rgb_get_identical_crop_and_flip():
    # With α fixed at 1 the contrast is the identity, so an RGB made of NIR copies must come out
    # equal to the NIR, channel for channel, whatever crop and mirror were drawn. Noise makes
    # any one-pixel misalignment glaring. OpenCV's uint8 bicubic rounds its 1-channel and
    # 3-channel code paths differently in rare pixels, so equality is up to one gray level there.
    aug = build_augmentation(AugmentConfig(contrast_range=(1.0, 1.0)), 64, seed=5)
    nir, _ = _pair(64)
    rgb = np.repeat(nir[:, :, None], 3, axis=2)
    seen = set()
    for _ in range(60):
        n, r, p = augment_pair_with_params(aug, nir, rgb)
        for c in range(3):
            diff = np.abs(n.astype(int) - r[:, :, c])
            assert diff.max() <= 1 and (diff > 0).mean() < 0.01
            if p.crop_box is None:
                assert diff.max() == 0
        seen.add((p.crop_box is not None, p.flip))
    assert seen == {(False, False), (False, True), (True, False), (True, True)}


def test_rgb_follows_the_drawn_crop_box():
    # Channel 0 encodes x, channel 1 encodes y: the output's mean position locates the window,
    # which checks the (x0, y0, x1, y1) order of crop_box.
    size = 64
    yy, xx = np.mgrid[0:size, 0:size]
    rgb = np.stack([4 * xx, 4 * yy, np.full_like(xx, 128)], axis=2).astype(np.uint8)
    nir = rgb[:, :, 0].copy()
    aug = build_augmentation(CFG, size, seed=8)
    n_crops = 0
    for _ in range(40):
        _, r, p = augment_pair_with_params(aug, nir, rgb)
        if p.crop_box is None:
            continue
        n_crops += 1
        x0, y0, x1, y1 = p.crop_box
        assert (x1 - x0, y1 - y0) == (50, 50)
        assert abs(r[:, :, 0].mean() - 4 * (x0 + x1 - 1) / 2) < 1.5
        assert abs(r[:, :, 1].mean() - 4 * (y0 + y1 - 1) / 2) < 1.5
        row = r[size // 2, :, 0].astype(int)
        assert (row[-1] < row[0]) if p.flip else (row[-1] > row[0])
    assert n_crops > 20


def test_contrast_never_touches_rgb_and_rgb_resize_is_bicubic():
    size = 64
    nir, rgb = _smooth(size, 1), np.stack([_smooth(size, s) for s in (2, 3, 4)], axis=2)
    aug = build_augmentation(CFG, size, seed=21)
    n_contrasted = 0
    for _ in range(50):
        n, r, p = augment_pair_with_params(aug, nir, rgb)
        assert np.array_equal(r, _geometry_only(rgb, p, size))
        if p.crop_box is not None:
            assert not np.array_equal(r, _geometry_only(rgb, p, size, cv2.INTER_NEAREST))
            if abs(p.alpha - 1.0) > 0.1:
                n_contrasted += 1
                # the NIR, by contrast, is not just its geometry
                geo = _geometry_only(np.repeat(nir[:, :, None], 3, 2), p, size)[:, :, 0]
                assert not np.array_equal(n, geo)
    assert n_contrasted > 10


def test_bicubic_overshoot_saturates_instead_of_wrapping():
    size = 64
    checker = ((np.indices((size, size)).sum(0) // 2) % 2 * 255).astype(np.uint8)
    rgb = np.repeat(checker[:, :, None], 3, axis=2)
    aug = build_augmentation(CFG, size, seed=2)
    n_crops = 0
    for _ in range(20):
        n, r, p = augment_pair_with_params(aug, checker, rgb)
        assert n.dtype == np.uint8 and r.dtype == np.uint8
        if p.crop_box is None:
            continue
        n_crops += 1
        x0, y0, x1, y1 = p.crop_box
        window = rgb[y0:y1, x0:x1].astype(np.float32)
        exact = cv2.resize(window, (size, size), interpolation=cv2.INTER_CUBIC)
        if p.flip:
            exact = exact[:, ::-1]
        assert exact.min() < -5 and exact.max() > 260  # the float result does overshoot…
        # …and uint8 resampling clips it (cv2's fixed-point path may differ by one level).
        assert np.abs(r.astype(np.float32) - np.clip(exact, 0, 255)).max() <= 1.0
    assert n_crops > 5


@pytest.mark.parametrize("alpha", [0.5, 0.8, 1.0, 1.3, 1.5])
def test_contrast_scales_spread_about_the_mean(alpha):
    rng = np.random.default_rng(0)
    nir = rng.integers(100, 157, (64, 64), dtype=np.uint8)  # no clipping for α ≤ 1.5
    rgb = np.zeros((64, 64, 3), np.uint8)
    out, rgb_out = apply_params(nir, rgb, crop_box=None, alpha=alpha, flip=False, out_size=64)
    assert abs(out.mean() - nir.mean()) < 1.0  # truncating cast: at most one level low
    assert abs(out.std() / nir.std() - alpha) < 0.02
    assert np.array_equal(rgb_out, rgb)
    # The documented formula, literally.
    expected = np.floor(np.clip(alpha * nir + (1 - alpha) * nir.mean(), 0, 255))
    assert np.abs(out.astype(float) - expected).max() <= 1.0


def test_contrast_clips_at_both_ends():
    nir = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    rgb = np.zeros((4, 256, 3), np.uint8)
    out, _ = apply_params(nir, rgb, crop_box=None, alpha=1.5, flip=False, out_size=4)
    assert out.min() == 0 and out.max() == 255


@pytest.mark.parametrize("size", [32, 64, 256])
def test_apply_params_reproduces_albumentations_exactly(size):
    aug = build_augmentation(CFG, size, seed=size)
    nir, rgb = _pair(size, seed=1)
    for _ in range(60 if size == 256 else 200):
        n, r, p = augment_pair_with_params(aug, nir, rgb)
        n2, r2 = apply_params(
            nir, rgb, crop_box=p.crop_box, alpha=p.alpha, flip=p.flip, out_size=size
        )
        assert np.array_equal(n, n2) and np.array_equal(r, r2), p


@pytest.mark.parametrize("size", [32, 64])
def test_small_profiles_keep_shapes_and_scale_the_crop(size):
    aug = build_augmentation(CFG, size, seed=0)
    nir, rgb = _pair(size)
    crops = set()
    for _ in range(30):
        n, r, p = augment_pair_with_params(aug, nir, rgb)
        assert n.shape == (size, size) and n.dtype == np.uint8
        assert r.shape == (size, size, 3) and r.dtype == np.uint8
        if p.crop_box is not None:
            x0, y0, x1, y1 = p.crop_box
            crops.add((x1 - x0, y1 - y0))
    assert crops == {(crop_size(CFG, size),) * 2}


def _run(aug, n: int = 5, size: int = 64):
    nir, rgb = _pair(size)
    return [augment_pair_with_params(aug, nir, rgb) for _ in range(n)]


def _same(a, b) -> bool:
    return all(
        np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) and x[2] == y[2]
        for x, y in zip(a, b, strict=True)
    )


def test_same_seed_same_sequence_different_seed_differs():
    first = _run(build_augmentation(CFG, 64, seed=42), 10)
    again = _run(build_augmentation(CFG, 64, seed=42), 10)
    other = _run(build_augmentation(CFG, 64, seed=43), 10)
    assert _same(first, again)
    assert not _same(first, other)


def test_reseed_is_immune_to_the_global_rngs():
    aug = build_augmentation(CFG, 64)
    reseed(aug, 7)
    first = _run(aug)
    np.random.seed(123)
    np.random.rand(17)
    random.seed(9)
    random.random()
    _run(aug, 3)  # and the pipeline's own stream moved on
    reseed(aug, 7)
    assert _same(first, _run(aug))


def test_epoch_seed_is_deterministic_and_distinct():
    assert epoch_seed(0, 3) == epoch_seed(0, 3)
    seeds = {epoch_seed(r, e) for r in range(3) for e in range(50)}
    assert len(seeds) == 150


def test_save_load_round_trip_gives_the_same_pipeline(tmp_path):
    aug = build_augmentation(CFG, 64, seed=5)
    path = save_augmentation(aug, tmp_path / "sub" / "augment.json")
    assert sorted(p.name for p in path.parent.iterdir()) == ["augment.json"]  # no temp file left
    assert json.loads(path.read_text()) == describe_augmentation(aug)

    loaded = load_augmentation(path, seed=5)
    assert A.to_dict(loaded) == A.to_dict(aug)
    assert _same(_run(loaded, 20), _run(build_augmentation(CFG, 64, seed=5), 20))
    resize = loaded.transforms[0].transforms[-1]
    assert resize.mask_interpolation == cv2.INTER_CUBIC

    # albumentations' own loader reads the same file; reseeded, it behaves identically too.
    plain = reseed(A.load(path, data_format="json"), 5)
    assert _same(_run(plain, 20), _run(build_augmentation(CFG, 64, seed=5), 20))


def test_dict_round_trip_and_description_is_plain_json():
    aug = build_augmentation(CFG, 256, seed=1)
    desc = describe_augmentation(aug)
    assert json.loads(json.dumps(desc)) == desc
    seq = desc["transform"]["transforms"][0]
    assert seq["__class_fullname__"] == "Sequential" and seq["p"] == CFG.p_contrast_crop
    names = [t["__class_fullname__"] for t in seq["transforms"]]
    assert names == ["ColorJitter", "RandomCrop", "Resize"]
    assert seq["transforms"][1]["height"] == 200
    rebuilt = reseed(A.from_dict(A.to_dict(aug)), 1)
    assert _same(_run(rebuilt, 10, 256), _run(build_augmentation(CFG, 256, seed=1), 10, 256))


def test_inputs_are_validated_and_outputs_never_alias_them():
    aug = build_augmentation(AugmentConfig(p_contrast_crop=0.0, p_flip=0.0), 32, seed=0)
    nir, rgb = _pair(32)
    n, r = augment_pair(aug, nir[:, :, None], rgb)  # (H, W, 1) NIR is accepted
    assert np.array_equal(n, nir) and np.array_equal(r, rgb)
    assert not np.shares_memory(n, nir) and not np.shares_memory(r, rgb)
    with pytest.raises(ValueError):
        augment_pair(aug, nir.astype(np.float32), rgb)
    with pytest.raises(ValueError):
        augment_pair(aug, nir, rgb[:16])
    with pytest.raises(ValueError):
        augment_pair(aug, nir, rgb[:, :, :1])


def test_albumentations_update_check_is_off():
    assert os.environ.get("NO_ALBUMENTATIONS_UPDATE") == "1"


def test_expose_by_hand_and_the_gain_draw():
    import torch

    from nircolor import augment_torch

    x = torch.tensor([[0, 10, 100], [200, 240, 255]], dtype=torch.uint8)[None]
    out = augment_torch.expose(torch.cat([x, x]), torch.tensor([1.1, 0.5]))
    assert out.dtype == torch.uint8
    assert out[0].tolist() == [[0, 11, 110], [220, 255, 255]]  # 264 and 280.5 saturate
    assert out[1].tolist() == [[0, 5, 50], [100, 120, 128]]  # 127.5 rounds to even
    cfg = AugmentConfig(exposure_range=(0.8, 1.25))
    assert augment_torch.exposure_on(cfg) and not augment_torch.exposure_on(AugmentConfig())
    k = augment_torch.draw_exposure(torch.Generator().manual_seed(0), 20_000, cfg)
    assert float(k.min()) >= 0.8 and float(k.max()) <= 1.25
    # log-uniform over a range symmetric in log: as many gains below 1 as above, median near 1
    assert abs(float((k < 1).float().mean()) - 0.5) < 0.02 and abs(float(k.log().mean())) < 0.01
    with pytest.raises(ValueError, match="exposure_range"):
        AugmentConfig(exposure_range=(1.2, 0.9))


def test_cutmix_by_hand_and_the_box_draw():
    import torch

    from nircolor import augment_torch

    x = torch.arange(3 * 4 * 4, dtype=torch.uint8).view(3, 4, 4)
    boxes = torch.tensor([[1, 1, 2, 2], [0, 0, 0, 3], [1, 0, 0, 1]])  # (gate, top, left, side)
    out = augment_torch.cutmix(x, boxes)
    assert torch.equal(x, torch.arange(48, dtype=torch.uint8).view(3, 4, 4))  # the input is untouched
    expect = x.clone()
    expect[0, 1:3, 2:4] = x[2, 1:3, 2:4]  # sample 0 takes from the last one (cyclic)
    expect[2, 0, 0] = x[1, 0, 0]  # from the unmixed sample 1, gate 0 on sample 1 itself
    assert torch.equal(out, expect)
    rgb = torch.stack([x, x + 1, x + 2], dim=-1)  # (B, H, W, 3): the same box on every channel
    assert torch.equal(augment_torch.cutmix(rgb, boxes)[..., 1], expect + 1)
    assert torch.equal(augment_torch.cutmix(x[:1], boxes[:1]), x[:1])  # one sample: nothing to paste
    cfg = AugmentConfig(p_cutmix=0.5, cutmix_area=(0.15, 0.5))
    assert augment_torch.cutmix_on(cfg) and not augment_torch.cutmix_on(AugmentConfig())
    b = augment_torch.draw_cutmix(torch.Generator().manual_seed(0), 20_000, 256, 200, cfg)
    gate, top, left, side = b.T
    assert abs(float(gate.float().mean()) - 0.5) < 0.02
    area = side.double() ** 2 / (256 * 200)
    assert float(area.min()) >= 0.15 - 0.01 and float(area.max()) <= 0.5 + 0.01
    assert abs(float(area.mean()) - 0.325) < 0.01  # uniform in the range
    assert int(top.min()) == 0 and bool((top + side <= 256).all()) and bool((left + side <= 200).all())
    assert int((left + side).max()) == 200  # every place inside the image can be drawn
    with pytest.raises(ValueError, match="cutmix_area"):
        AugmentConfig(cutmix_area=(0.6, 0.3))
    with pytest.raises(ValueError, match="cutmix_area"):
        AugmentConfig(cutmix_area=(0.5, 1.5))
    with pytest.raises(ValueError):
        AugmentConfig(p_cutmix=1.5)
