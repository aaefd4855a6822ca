"""The torch metrics against scikit-image/numpy references, on random and real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from skimage.filters import gaussian
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from nircolor.metrics import angular_error, evaluate_batch, metrics_table, psnr, ssim

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared/data/vcip2020"


# --- numpy references (one image, H×W×C in [0, 1]) ---------------------------------------------
def ref_psnr(a: np.ndarray, b: np.ndarray) -> float:
    return peak_signal_noise_ratio(b, a, data_range=1.0)


def ref_ssim(a: np.ndarray, b: np.ndarray) -> float:
    return structural_similarity(a, b, win_size=7, channel_axis=-1, data_range=1.0)


def ref_ae(a: np.ndarray, b: np.ndarray) -> float:
    cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-6)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))).mean())


def to_torch(batch: np.ndarray) -> torch.Tensor:  # (N, H, W, C) -> (N, C, H, W)
    return torch.from_numpy(batch).permute(0, 3, 1, 2)


def assert_matches_reference(pred: np.ndarray, target: np.ndarray, *, metrics=("psnr", "ssim", "ae")):
    got = evaluate_batch(to_torch(pred), to_torch(target))
    refs = {"psnr": ref_psnr, "ssim": ref_ssim, "ae": ref_ae}
    for key in metrics:
        want = np.array([refs[key](p, t) for p, t in zip(pred, target)])
        assert got[key].shape == (len(pred),)
        np.testing.assert_allclose(got[key].numpy(), want, rtol=0, atol=1e-4, err_msg=key)


def _noisy_pair(rng, n, h, w, c, noise=0.1):
    target = rng.random((n, h, w, c))
    pred = np.clip(target + noise * rng.standard_normal(target.shape), 0.0, 1.0)
    return pred, target


@pytest.mark.parametrize(("h", "w"), [(32, 32), (64, 48), (37, 50)])
@pytest.mark.parametrize("c", [1, 3])
def test_metrics_match_reference_on_random_images(h, w, c):
    rng = np.random.default_rng(h * w + c)
    pred, target = _noisy_pair(rng, 3, h, w, c)
    assert_matches_reference(pred, target)


def test_metrics_match_reference_on_unrelated_images():
    rng = np.random.default_rng(1)
    pred, target = rng.random((2, 40, 40, 3)), rng.random((2, 40, 40, 3))
    assert_matches_reference(pred, target)


def test_float32_inputs_agree_with_float64():
    rng = np.random.default_rng(2)
    pred, target = _noisy_pair(rng, 2, 32, 32, 3)
    p64, t64 = to_torch(pred), to_torch(target)
    a, b = evaluate_batch(p64.float(), t64.float()), evaluate_batch(p64, t64)
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-4)


def test_identity():
    x = torch.rand(2, 3, 32, 32, dtype=torch.float64) * 0.9 + 0.1
    torch.testing.assert_close(ssim(x, x), torch.ones(2, dtype=torch.float64))
    assert torch.isinf(psnr(x, x)).all()
    # Only the 1e-6 in the denominator separates this from 0 (≈0.1° at norm² ≥ 0.03).
    assert (angular_error(x, x) < 0.2).all()
    assert angular_error(x, 0.5 * x).max() < 0.2  # the angle ignores brightness


def test_closer_images_score_better():
    torch.manual_seed(0)
    target = torch.rand(1, 3, 32, 32)
    near = (target + 0.02 * torch.randn_like(target)).clamp(0, 1)
    far = (target + 0.2 * torch.randn_like(target)).clamp(0, 1)
    assert psnr(near, target) > psnr(far, target)
    assert ssim(near, target) > ssim(far, target)
    assert angular_error(near, target) < angular_error(far, target)


def test_orthogonal_colours_are_90_degrees():
    red = torch.zeros(1, 3, 8, 8)
    red[:, 0] = 1
    green = torch.zeros(1, 3, 8, 8)
    green[:, 1] = 1
    torch.testing.assert_close(angular_error(red, green), torch.tensor([90.0], dtype=torch.float64))


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="equal shapes"):
        psnr(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 9))
    with pytest.raises(ValueError, match="at least 7"):
        ssim(torch.rand(1, 3, 6, 8), torch.rand(1, 3, 6, 8))


def test_metrics_table_has_average_row():
    psnrs, ssims, aes = torch.tensor([10.0, 20.0, 30.0]), [0.2, 0.4, 0.9], np.array([1.0, 2.0, 6.0])
    table = metrics_table(["a", "b", "c"], psnrs, ssims, aes)
    assert list(table.columns) == ["image", "psnr", "ssim", "ae"]
    assert list(table["image"]) == ["a", "b", "c", "average"]
    avg = table.iloc[-1]
    assert avg["psnr"] == pytest.approx(20.0)
    assert avg["ssim"] == pytest.approx(0.5)
    assert avg["ae"] == pytest.approx(3.0)
    with pytest.raises(ValueError, match="2 values for 3"):
        metrics_table(["a", "b", "c"], [1.0, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])


@pytest.mark.realdata
def test_metrics_match_reference_on_vcip_validation_images():
    folder = REAL_DATA / "Validation"
    if not folder.is_dir():
        pytest.skip(f"real VCIP 2020 data not found at {REAL_DATA}")
    from PIL import Image

    paths = sorted(folder.glob("*_rgb_reg.png"))
    assert len(paths) == 18
    target = np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float64) / 255.0 for p in paths])
    rng = np.random.default_rng(0)
    blurred = gaussian(target, sigma=(0, 1.5, 1.5, 0))  # blur space, not images or channels
    shifted = blurred * rng.uniform(0.8, 1.1, (len(paths), 1, 1, 3))  # per-image colour cast
    pred = np.clip(shifted + 0.02 * rng.standard_normal(target.shape), 0.0, 1.0)
    assert_matches_reference(pred, target)
    names = [p.name.removesuffix("_rgb_reg.png") for p in paths]
    got = evaluate_batch(to_torch(pred), to_torch(target))
    table = metrics_table(names, got["psnr"], got["ssim"], got["ae"])
    assert table.iloc[-1]["psnr"] == pytest.approx(got["psnr"].mean().item())
