"""Tiled inference (`model.tile_stride`): the generator runs on overlapping tiles of its training
size, blended by a Hann window, instead of on the whole image. Off (0) in the paper's recipe."""

from __future__ import annotations

import pytest
import torch

from nircolor.config import load_config
from nircolor.inference import colorize, load_generator, tile_starts, tiled_translate, translate
from nircolor.models import build_generator
from nircolor.training.phase import run_phase


@pytest.mark.parametrize(
    ("length", "tile", "stride", "expected"),
    [
        (256, 128, 32, [0, 32, 64, 96, 128]),
        (256, 128, 128, [0, 128]),
        (250, 128, 64, [0, 64, 122]),  # the last tile flush with the far edge
        (128, 128, 32, [0]),
        (100, 128, 16, [0]),  # shorter than a tile: one (smaller) tile
    ],
)
def test_tile_starts(length, tile, stride, expected):
    assert tile_starts(length, tile, stride) == expected


@pytest.mark.parametrize(("tile", "stride"), [(128, 0), (128, 129), (0, 1)])
def test_tile_starts_refuses_gaps_and_empty_tiles(tile, stride):
    with pytest.raises(ValueError):
        tile_starts(256, tile, stride)


class _TileMean(torch.nn.Module):
    """Output at every pixel: its tile's mean input, on three channels (depends on the tile)."""

    size_multiple = 1

    def forward(self, x):
        return x.mean(dim=(1, 2, 3), keepdim=True).expand(-1, 3, *x.shape[-2:])


def test_tiled_translate_by_hand():
    torch.manual_seed(0)
    x = torch.rand(2, 1, 6, 10)
    out = tiled_translate(_TileMean(), x, tile=4, stride=3)
    # rows: tiles at 0 and 2; columns: at 0, 3 and 6. Hann interior of 6 points for a 4-px side.
    hann = torch.hann_window(6, periodic=False)[1:-1]
    w = torch.outer(hann, hann)
    total = torch.zeros(2, 3, 6, 10)
    count = torch.zeros(1, 1, 6, 10)
    for y in (0, 2):
        for c in (0, 3, 6):
            tile_mean = x[..., y:y + 4, c:c + 4].mean(dim=(1, 2, 3), keepdim=True)  # in [0, 1]
            value = ((tile_mean * 2 - 1) + 1) / 2  # translate's [-1, 1] round trip
            total[..., y:y + 4, c:c + 4] += value.expand(-1, 3, 4, 4) * w
            count[..., y:y + 4, c:c + 4] += w
    torch.testing.assert_close(out, total / count)
    assert not torch.allclose(out, translate(_TileMean(), x, 1))  # the whole-image mean differs


def test_tiled_translate_of_a_pointwise_map_is_the_map_itself():
    conv = torch.nn.Conv2d(1, 3, 1)
    conv.size_multiple = 1
    x = torch.rand(1, 1, 20, 17)
    torch.testing.assert_close(tiled_translate(conv, x, tile=8, stride=5), translate(conv, x, 1))


def test_tiled_translate_runs_an_image_no_larger_than_a_tile_whole():
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    x = torch.rand(1, 1, 32, 32)
    torch.testing.assert_close(tiled_translate(g, x, tile=32, stride=8), translate(g, x, g.size_multiple))


def test_colorize_tiles_under_the_mirrored_rule_only_when_asked():
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    x = torch.rand(2, 1, 64, 64)
    whole = colorize(g, x)
    g.tile_size, g.tile_stride = 32, 16
    tiled = colorize(g, x)
    torch.testing.assert_close(tiled, tiled_translate(g, x, 32, 16))
    assert not torch.allclose(tiled, whole)  # a strided, instance-normed generator sees the tile
    g.flip_average = True
    mirrored = tiled_translate(g, x.flip(-1), 32, 16).flip(-1)
    torch.testing.assert_close(colorize(g, x), (tiled + mirrored) / 2)
    g.tile_stride = 0
    g.flip_average = False
    torch.testing.assert_close(colorize(g, x), whole)


def test_tile_stride_travels_in_the_checkpoint_and_is_bounded(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "model.tile_stride": 8, "schedule.phase1": 1})
    res = run_phase("phase1", variant="baseline", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    g, meta = load_generator(res.checkpoint)
    assert meta["tile_stride"] == 8 and g.tile_stride == 8 and g.tile_size == 32
    assert load_config(None, tiny_overrides).model.tile_stride == 0  # off unless asked for
    for bad in (-1, 33):  # 33 > image_size 32 would leave gaps between tiles
        with pytest.raises(ValueError):
            load_config(None, {**tiny_overrides, "model.tile_stride": bad})
