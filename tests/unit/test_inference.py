"""Inference helpers: padding to the model's multiple and back, evaluation tables, Table I rendering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from nircolor.data.packed import PairArrays
from nircolor.inference import _reflect_pad, colorize_array, evaluate_generator, translate
from nircolor.models import build_generator
from nircolor.report import side_by_side, to_markdown


@pytest.mark.parametrize(("h", "w"), [(32, 32), (33, 47), (5, 80), (1, 1), (100, 3)])
def test_reflect_pad_reaches_the_multiple_and_keeps_the_image(h, w):
    x = torch.rand(1, 1, h, w)
    y = _reflect_pad(x, -h % 32, -w % 32)
    assert y.shape[-2] % 32 == 0 and y.shape[-1] % 32 == 0
    assert torch.equal(y[..., :h, :w], x)


class _Identity3(torch.nn.Module):
    """Copies the NIR channel to RGB: a generator whose output is known exactly."""

    size_multiple = 32

    def forward(self, x):
        assert x.shape[-1] % 32 == 0 and x.shape[-2] % 32 == 0
        return x.repeat(1, 3, 1, 1)


def test_translate_crops_back_to_the_input():
    x = torch.rand(2, 1, 40, 50)
    y = translate(_Identity3(), x, 32)
    assert y.shape == (2, 3, 40, 50)
    assert torch.allclose(y[:, 0:1], x, atol=1e-6)


def test_colorize_array_with_a_real_generator():
    g = build_generator("dense", 1, 3, ngf=4, image_size=32).eval()
    out = colorize_array(g, np.random.default_rng(0).integers(0, 255, (45, 20), dtype=np.uint8))
    assert out.shape == (45, 20, 3) and out.dtype == np.uint8


def test_evaluate_generator_scores_a_perfect_colorizer():
    rng = np.random.default_rng(1)
    nir = rng.integers(0, 255, (3, 32, 32), dtype=np.uint8)
    val = PairArrays(nir, np.repeat(nir[..., None], 3, axis=-1), ("a", "b", "c"))
    table, images = evaluate_generator(_Identity3(), val, batch_size=2)
    assert list(table["image"]) == ["a", "b", "c", "average"]
    assert np.isinf(table["psnr"].iloc[0])  # identical images
    assert table["ssim"].iloc[:3].to_numpy() == pytest.approx(1.0)
    assert np.array_equal(images[..., 0], nir)


def test_side_by_side_and_markdown():
    a = pd.DataFrame({"image": ["x", "y", "average"], "psnr": [10.0, 12.0, 11.0],
                      "ssim": [0.1, 0.3, 0.2], "ae": [9.0, 7.0, 8.0]})  # fmt: skip
    b = a.assign(psnr=a["psnr"] + 5)
    both = side_by_side({"baseline": a, "dense": b})
    assert list(both.columns) == ["image", "baseline/psnr", "baseline/ssim", "baseline/ae",
                                  "dense/psnr", "dense/ssim", "dense/ae"]  # fmt: skip
    assert list(both["image"]) == ["x", "y", "average"]
    md = to_markdown(both, title="T")
    assert "| average | 11.00 | 0.200 | 8.00 | 16.00 | 0.200 | 8.00 |" in md
    assert "| paper (VCIP 2020, Table I average) | 13.53 | 0.430 | 9.38 | 17.14 | 0.520 | 5.93 |" in md


def test_colorize_at_scale_2_enlarges_translates_and_averages_back():
    # A generator trained on images enlarged ×2 (model.crop_scale 2): the input is enlarged
    # bicubically, translated, and the output brought back by 2×2 area averaging.
    from nircolor.inference import colorize

    g = _Identity3()
    g.infer_scale = 2.0
    x = torch.rand(2, 1, 32, 48)
    up = torch.nn.functional.interpolate(x, size=(64, 96), mode="bicubic", align_corners=False).clamp(0, 1)
    want = up.reshape(2, 1, 32, 2, 48, 2).mean(dim=(3, 5)).repeat(1, 3, 1, 1)
    got = colorize(g, x)
    assert got.shape == (2, 3, 32, 48)
    assert torch.allclose(got, want, atol=1e-6)
    # a smooth image comes back nearly unchanged (bicubic up then area down is close to identity)
    smooth = torch.linspace(0.2, 0.8, 48).expand(1, 1, 32, 48).contiguous()
    assert torch.allclose(colorize(g, smooth)[:, :1], smooth, atol=2e-3)
