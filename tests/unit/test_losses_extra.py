"""The terms beyond the paper (SSIM, RGB angle, Sobel edges, squared error, mean colour) against hand-computed
values, and a weight of 0 leaving the paper's step bit for bit."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from nircolor.config import load_config
from nircolor.losses import (
    GANLoss, angle_loss, cycle_loss, discriminator_loss, edge_loss, mean_colour_loss, pair_loss, sobel, squared_error_loss,
    ssim_loss,
)  # fmt: skip
from nircolor.training.cyclegan import CycleGAN


def test_ssim_loss_is_zero_for_identical_images_and_matches_scikit_image():
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(0)
    a = rng.random((24, 24, 3))
    b = np.clip(a + 0.2 * rng.standard_normal(a.shape), 0, 1)
    ta = torch.tensor(a).permute(2, 0, 1)[None] * 2 - 1
    tb = torch.tensor(b).permute(2, 0, 1)[None] * 2 - 1
    assert ssim_loss(ta, ta).item() == pytest.approx(0.0, abs=1e-12)
    ref = structural_similarity(a, b, channel_axis=-1, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False)  # fmt: skip
    assert 1 - ssim_loss(ta, tb).item() == pytest.approx(ref, abs=1e-9)


def test_angle_loss_by_hand():
    """Pure red against pure green is 90°; red against (1, 1, 0)/√2-ish yellow is 45°."""
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)  # [0,1]: (1, 0, 0)
    green = torch.tensor([-1.0, 1.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    yellow = torch.tensor([1.0, 1.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    assert angle_loss(red, green).item() == pytest.approx(math.pi / 2, abs=1e-5)
    assert angle_loss(red, yellow).item() == pytest.approx(math.pi / 4, abs=1e-5)
    assert angle_loss(red, red).item() == pytest.approx(0.0, abs=2e-3)  # the clamp inside (−1, 1)
    x = torch.full((1, 3, 2, 2), -1.0, requires_grad=True)  # black: finite gradient, no NaN
    angle_loss(x, torch.full((1, 3, 2, 2), -1.0)).backward()
    assert torch.isfinite(x.grad).all()


def test_edge_loss_by_hand():
    """A horizontal ramp of slope s has Sobel x = 8s (weights 1, 2, 1 of a difference over 2 px)
    and Sobel y = 0; against a flat image the loss is 0.5·(8s + 0)."""
    s = 0.01
    ramp = (torch.arange(8, dtype=torch.float64) * s).view(1, 1, 1, 8).expand(1, 1, 8, 8)
    gx, gy = sobel(ramp)
    assert gx.shape == (1, 1, 6, 6) and torch.allclose(gx, torch.full_like(gx, 8 * s)) and gy.abs().max() == 0
    flat = torch.zeros(1, 1, 8, 8, dtype=torch.float64)
    assert edge_loss(ramp, flat).item() == pytest.approx(0.5 * 8 * s)
    # the same as the convolution with the Sobel kernel
    k = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=torch.float64).view(1, 1, 3, 3)
    x = torch.rand(2, 1, 9, 11, dtype=torch.float64)
    assert torch.allclose(sobel(x)[0], torch.nn.functional.conv2d(x, k))
    assert torch.allclose(sobel(x)[1], torch.nn.functional.conv2d(x, k.transpose(-1, -2)))


def test_mean_colour_loss_by_hand():
    """Only each image's mean colour counts: in [0, 1], an image whose left half is 0.2 and right half 0.6
    (mean 0.4) against a flat 0.5 is |0.4 − 0.5| = 0.1 per channel, though every pixel is 0.1 off; a
    second image off by +0.3 in one channel only adds 0.3 / 3, and the mean over the 2 images and 3
    channels is (0.1·3 + 0.1) / 6."""
    half = torch.full((1, 3, 4, 4), 0.2)
    half[..., 2:] = 0.6
    flat = torch.full((1, 3, 4, 4), 0.5)
    to_pm1 = lambda t: t * 2 - 1  # noqa: E731 — the generators' range
    assert mean_colour_loss(to_pm1(half), to_pm1(flat)).item() == pytest.approx(0.1, abs=1e-6)
    shifted = flat.clone()
    shifted[:, 1] += 0.3
    got = mean_colour_loss(to_pm1(torch.cat([half, shifted])), to_pm1(torch.cat([flat, flat])))
    assert got.item() == pytest.approx((0.1 * 3 + 0.3) / 6, abs=1e-6)
    # a rearrangement of the same pixels costs nothing: the term sees no structure
    assert mean_colour_loss(to_pm1(half), to_pm1(half.flip(-1))).item() == pytest.approx(0.0, abs=1e-7)


def _paper_step(net: CycleGAN, nir, rgb, reg, gan_weight: float = 1.0):
    """The paper's objective written out independently (Eq. 1–5), one paired step, pool size 0;
    `gan_weight` scales the generators' two adversarial terms (loss.lambda_gan)."""
    fake_rgb = net.g_nir2rgb(nir)
    rec_nir = net.g_rgb2nir(fake_rgb)
    fake_nir = net.g_rgb2nir(rgb)
    rec_rgb = net.g_nir2rgb(fake_nir)
    for d in (net.d_rgb, net.d_nir):
        d.requires_grad_(False)
    gan = GANLoss("vanilla")
    loss_g = (gan_weight * (gan(net.d_rgb(fake_rgb), True) + gan(net.d_nir(fake_nir), True))
              + 100.0 * (cycle_loss(rec_nir, nir) + cycle_loss(rec_rgb, rgb))
              + 60.0 * (pair_loss(fake_rgb, reg) + pair_loss(fake_nir, nir)))  # fmt: skip
    net.opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    net.opt_g.step()
    for d in (net.d_rgb, net.d_nir):
        d.requires_grad_(True)
    loss_d = (discriminator_loss(gan, net.d_rgb(rgb), net.d_rgb(fake_rgb.detach()))
              + discriminator_loss(gan, net.d_nir(nir), net.d_nir(fake_nir.detach())))  # fmt: skip
    net.opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    net.opt_d.step()


def _nets(extra: dict) -> CycleGAN:
    cfg = load_config(None, {"model.image_size": 32, "model.ngf": 4, "model.ndf": 4, "train.pool_size": 0, **extra})
    torch.manual_seed(0)
    return CycleGAN.build("dense", cfg, torch.device("cpu"))


def _batch():
    g = torch.Generator().manual_seed(1)
    nir = torch.rand(2, 1, 32, 32, generator=g) * 2 - 1
    rgb = torch.rand(2, 3, 32, 32, generator=g) * 2 - 1
    return nir, rgb


def test_zero_weights_leave_the_papers_step_bit_identical():
    nir, rgb = _batch()
    ours = _nets({"loss.lambda_ssim": 0.0, "loss.lambda_angle": 0.0, "loss.lambda_edge": 0.0, "loss.lambda_mse": 0.0,
                  "loss.lambda_mean_colour": 0.0})
    ref = copy.deepcopy(ours)
    ours.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
    _paper_step(ref, nir, rgb, rgb)
    for name in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir"):
        for (k, a), (_, b) in zip(getattr(ours, name).state_dict().items(), getattr(ref, name).state_dict().items()):
            assert torch.equal(a, b), f"{name}.{k}"


@pytest.mark.parametrize("weight", [0.0, 0.25])
def test_gan_weight_scales_the_generators_adversarial_terms_only(weight):
    nir, rgb = _batch()
    ours = _nets({"loss.lambda_gan": weight})
    ref, paper = copy.deepcopy(ours), copy.deepcopy(ours)
    ours.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
    _paper_step(ref, nir, rgb, rgb, gan_weight=weight)
    _paper_step(paper, nir, rgb, rgb)
    for name in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir"):
        for (k, a), (_, b) in zip(getattr(ours, name).state_dict().items(), getattr(ref, name).state_dict().items()):
            assert torch.allclose(a, b, atol=1e-6, rtol=1e-5), f"{name}.{k}"
    # and it is not the paper's step: the generators moved elsewhere
    assert any(not torch.allclose(a, b) for a, b in zip(ours.g_nir2rgb.parameters(), paper.g_nir2rgb.parameters()))


@pytest.mark.parametrize("term", ["lambda_ssim", "lambda_angle", "lambda_edge", "lambda_mse", "lambda_mean_colour"])
def test_each_term_changes_the_step_and_is_logged(term):
    nir, rgb = _batch()
    plain, plus = _nets({}), _nets({f"loss.{term}": 10.0})
    losses = plus.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
    plain.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
    name = {"lambda_ssim": "loss_ssim_rgb", "lambda_angle": "loss_angle_rgb", "lambda_edge": "loss_edge_rgb",
            "lambda_mse": "loss_mse_rgb", "lambda_mean_colour": "loss_mean_colour_rgb"}[term]
    assert losses[name] > 0
    diff = [not torch.equal(a, b) for a, b in zip(plain.g_nir2rgb.parameters(), plus.g_nir2rgb.parameters())]
    assert any(diff)


def test_ssim_loss_keeps_its_precision_under_bf16_autocast():
    # the bf16 fast path runs generator_losses inside autocast; the SSIM moments must not be
    # blurred in bf16 (a real-data run hit SSIM = −inf that way)
    g = torch.Generator().manual_seed(3)
    x = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    y = (x + 0.1 * torch.randn(2, 3, 64, 64, generator=g)).clamp(-1, 1)
    x.requires_grad_(True)
    want = ssim_loss(x.detach(), y)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = ssim_loss(x, y)
    assert got.dtype == torch.float32
    assert float(got) == pytest.approx(float(want), abs=1e-6)
    got.backward()
    assert torch.isfinite(x.grad).all()


def test_bf16_step_with_every_term_is_finite():
    nir, rgb = _batch()
    net = _nets({"loss.lambda_ssim": 60.0, "loss.lambda_angle": 60.0, "loss.lambda_edge": 40.0,
                 "loss.lambda_mse": 300.0, "loss.lambda_mean_colour": 30.0, "train.precision": "bf16"})  # fmt: skip
    for _ in range(3):
        losses = net.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
        assert all(torch.isfinite(v) for v in losses.values()), losses
