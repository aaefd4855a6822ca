"""Tests for nircolor.viz: grid layout arithmetic, pixel placement, Fig. 3 columns, seeded previews, PNG bytes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nircolor.augment import AppliedParams, build_augmentation
from nircolor.config import AugmentConfig
from nircolor.viz import (
    FIG3_COLUMNS,
    PREVIEW_COLUMNS,
    augmentation_preview,
    describe_params,
    fig3_grid,
    image_grid,
    line_height,
    save_png,
    text_width,
)


def _solid(h: int, w: int, color) -> np.ndarray:
    return np.broadcast_to(np.asarray(color, dtype=np.uint8), (h, w, 3)).copy()


def test_font_is_pillows_builtin_and_titles_have_size():
    assert line_height() > 0
    assert text_width("ground truth") > text_width("NIR") > 0


def test_grid_size_without_titles_is_pure_arithmetic():
    cells = [[_solid(16, 16, (0, 0, 0))] * 4 for _ in range(2)]
    out = image_grid(cells, pad=4)
    # 4 columns of 16 with 5 gaps of 4; 2 rows of 16 with 3 gaps of 4
    assert out.shape == (2 * 16 + 3 * 4, 4 * 16 + 5 * 4, 3)
    assert out.dtype == np.uint8


def test_grid_size_with_titles_follows_the_documented_layout():
    cols = ["a", "bb", "NIR augmented", "d"]
    rows = ["first row", "2"]
    cells = [[_solid(16, 16, (0, 0, 0))] * 4 for _ in range(2)]
    out = image_grid(cells, col_titles=cols, row_titles=rows, pad=4)
    col_w = [max(16, text_width(t)) for t in cols]
    width = 4 + (max(text_width(r) for r in rows) + 4) + sum(col_w) + 3 * 4 + 4
    height = 4 + (line_height() + 4) + 2 * 16 + 4 + 4
    assert out.shape == (height, width, 3)
    # a title wider than its cells widens the column
    assert col_w[2] > 16


def test_each_cell_lands_at_its_slot():
    pad, s = 3, 10
    colors = [[(10 * (i * 3 + j) + 5, 200, 100 + i) for j in range(3)] for i in range(2)]
    cells = [[_solid(s, s, c) for c in row] for row in colors]
    out = image_grid(cells, pad=pad, background=255)
    for i in range(2):
        for j in range(3):
            y, x = pad + i * (s + pad), pad + j * (s + pad)
            block = out[y : y + s, x : x + s]
            assert (block == np.array(colors[i][j], np.uint8)).all(), (i, j)
            # the pad around it is background
            assert (out[y - 1, x : x + s] == 255).all() and (out[y : y + s, x - 1] == 255).all()


def test_cells_sit_after_the_title_bands():
    pad, s = 4, 20
    mark = (1, 2, 3)
    cells = [[_solid(s, s, (250, 250, 250)), _solid(s, s, (250, 250, 250))],
             [_solid(s, s, (250, 250, 250)), _solid(s, s, mark)]]  # fmt: skip
    cols, rows = ["x", "y"], ["r0", "r1"]
    out = image_grid(cells, col_titles=cols, row_titles=rows, pad=pad)
    col_w = [max(s, text_width(t)) for t in cols]
    left = pad + max(map(text_width, rows)) + pad + col_w[0] + pad + (col_w[1] - s) // 2
    top = pad + line_height() + pad + s + pad
    assert (out[top : top + s, left : left + s] == np.array(mark, np.uint8)).all()
    assert np.count_nonzero((out == np.array(mark, np.uint8)).all(axis=2)) == s * s


def test_titles_are_drawn_in_dark_text():
    cells = [[_solid(16, 16, (255, 255, 255))]]
    plain = image_grid(cells)
    titled = image_grid(cells, col_titles=["NIR"], row_titles=["img_01"])
    assert plain.min() == 255
    assert titled.min() < 100


def test_grey_cells_become_rgb():
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    out = image_grid([[grey]], pad=0)
    assert out.shape == (8, 8, 3)
    for c in range(3):
        assert np.array_equal(out[..., c], grey)


def test_scale_repeats_pixels():
    cell = np.array([[0, 255], [128, 64]], dtype=np.uint8)
    out = image_grid([[cell]], pad=0, scale=3)
    assert out.shape == (6, 6, 3)
    assert np.array_equal(out[..., 0], np.kron(cell, np.ones((3, 3), np.uint8)))
    with pytest.raises(ValueError):
        image_grid([[cell]], scale=0)


def test_ragged_rows_and_bad_cells_are_rejected():
    a = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match="every row"):
        image_grid([[a, a], [a]])
    with pytest.raises(ValueError, match="uint8"):
        image_grid([[a.astype(np.float32)]])
    with pytest.raises(ValueError, match="column titles"):
        image_grid([[a]], col_titles=["x", "y"])


def _val_set(n=2, size=16):
    rng = np.random.default_rng(0)
    nir = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
    rgb = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    return nir, rgb


def test_fig3_grid_has_all_four_columns():
    nir, truth = _val_set()
    out = fig3_grid(["a", "b"], nir, truth, truth, truth)
    expected = image_grid([[nir[i], truth[i], truth[i], truth[i]] for i in range(2)],
                          col_titles=FIG3_COLUMNS, row_titles=["a", "b"])  # fmt: skip
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("missing", ["baseline", "dense", "both"])
def test_fig3_grid_omits_a_missing_variant(missing):
    nir, truth = _val_set()
    pred = (255 - truth).astype(np.uint8)
    baseline = None if missing in ("baseline", "both") else pred
    dense = None if missing in ("dense", "both") else pred
    out = fig3_grid(["a", "b"], nir, baseline, dense, truth, scale=2)
    titles = ["NIR"] + [t for t, a in (("baseline", baseline), ("dense", dense)) if a is not None]
    titles.append("ground truth")
    cols = [nir] + [a for a in (baseline, dense) if a is not None] + [truth]
    expected = image_grid([[c[i] for c in cols] for i in range(2)],
                          col_titles=titles, row_titles=["a", "b"], scale=2)  # fmt: skip
    assert np.array_equal(out, expected)
    full = fig3_grid(["a", "b"], nir, pred, pred, truth, scale=2)
    assert out.shape[1] < full.shape[1]


def test_fig3_grid_checks_counts():
    nir, truth = _val_set()
    with pytest.raises(ValueError, match="names"):
        fig3_grid(["only one"], nir, None, None, truth)


def test_describe_params():
    assert describe_params(AppliedParams((12, 3, 212, 203), 1.2149, True)) == "crop 12,3-212,203 alpha=1.21, flip"
    assert describe_params(AppliedParams(None, None, False)) == "no crop/contrast, no flip"


def _gradients(n=3, size=32):
    y, x = np.mgrid[0:size, 0:size]
    nir = np.stack([((x * (k + 2) + y * 3) % 256).astype(np.uint8) for k in range(n)])
    rgb = np.stack([np.stack([x * 8 % 256, y * 8 % 256, (x + y + 40 * k) % 256], -1).astype(np.uint8)
                    for k in range(n)])  # fmt: skip
    return nir, rgb


def _aug():
    return build_augmentation(AugmentConfig(p_contrast_crop=0.5, p_flip=0.5), 32, seed=123)


def test_augmentation_preview_is_seeded():
    nir, rgb = _gradients()
    a = augmentation_preview(_aug(), nir, rgb, n=4, seed=7)
    b = augmentation_preview(_aug(), nir, rgb, n=4, seed=7)
    c = augmentation_preview(_aug(), nir, rgb, n=4, seed=8)
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
    assert a.tobytes() == b.tobytes()
    assert a.shape != c.shape or a.tobytes() != c.tobytes()


def test_augmentation_preview_rows_show_inputs_cycling():
    nir, rgb = _gradients(n=3)
    aug = _aug()
    out = augmentation_preview(aug, nir, rgb, n=4, seed=0)
    # reconstruct the layout: the 4th row shows pair 0 again (cycling); its "NIR in" cell is the input
    from nircolor.augment import augment_pair_with_params, reseed

    reseed(aug, 0)
    titles = [describe_params(augment_pair_with_params(aug, nir[i % 3], rgb[i % 3])[2]) for i in range(4)]
    label = max(map(text_width, titles)) + 4
    col0 = max(32, text_width(PREVIEW_COLUMNS[0]))
    left = 4 + label + (col0 - 32) // 2
    top = 4 + line_height() + 4 + 3 * (32 + 4)
    assert np.array_equal(out[top : top + 32, left : left + 32, 0], nir[0])
    assert out.shape[0] == 4 + line_height() + 4 + 4 * 32 + 3 * 4 + 4


def test_save_png_round_trips_and_is_deterministic(tmp_path):
    nir, rgb = _gradients()
    img = augmentation_preview(_aug(), nir, rgb, n=2, seed=1)
    a = save_png(tmp_path / "sub" / "a.png", img)
    b = save_png(tmp_path / "b.png", img)
    assert a.read_bytes() == b.read_bytes()
    with Image.open(a) as im:
        assert np.array_equal(np.asarray(im), img)
        assert not im.info.get("dpi") and "Software" not in im.info
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.png"]  # no temp file left


def test_bitmap_font_fallback_draws_any_title(monkeypatch):
    # Pillow without FreeType hands out a Latin-1 bitmap font; titles must still draw.
    import nircolor.viz as viz
    from PIL import ImageFont

    if not hasattr(ImageFont, "load_default_imagefont"):
        pytest.skip("Pillow < 10.1")
    monkeypatch.setattr(viz, "_font", ImageFont.load_default_imagefont)
    out = viz.image_grid([[np.zeros((8, 8), np.uint8)]], col_titles=["α°"], row_titles=["ground truth"])
    assert out.min() < 100 and viz.line_height() > 0
