"""The honest comparison: bootstrap intervals, reference floors, native-size scoring by one rule, Table I shape."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nircolor.comparison import compare, differences_markdown, summary_markdown
from nircolor.data.packed import PairArrays
from nircolor.inference import colorize, colorize_array, evaluate_generator, score_outputs
from nircolor.metrics import metrics_table
from nircolor.references import apply_lookup, fit_lookup, gray, reference_outputs
from nircolor.stats import paired_bootstrap

# -- bootstrap ---------------------------------------------------------------------------------


def test_bootstrap_interval_matches_a_known_distribution():
    """Differences ~ N(1, 2²) over 400 images: the interval is the mean ± 1.96·2/√400 (±0.196)."""
    rng = np.random.default_rng(7)
    b = rng.normal(20, 3, 400)
    a = b + rng.normal(1.0, 2.0, 400)
    d = paired_bootstrap(a, b, "psnr", n_resamples=4000, seed=0)
    diff = a - b
    assert d.mean == pytest.approx(diff.mean())
    half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert d.low == pytest.approx(diff.mean() - half, abs=0.03)
    assert d.high == pytest.approx(diff.mean() + half, abs=0.03)
    assert d.significant and d.a_better
    assert d.wins_a == int((diff > 0).sum()) and d.wins_b == int((diff < 0).sum())


def test_bootstrap_of_no_difference_is_not_significant_and_seeded():
    rng = np.random.default_rng(3)
    b = rng.normal(0, 1, 18)
    a = b + rng.normal(0, 1, 18) - 0.0
    a = a - (a - b).mean()  # mean difference exactly 0
    d1 = paired_bootstrap(a, b, "ssim", seed=5)
    d2 = paired_bootstrap(a, b, "ssim", seed=5)
    assert (d1.low, d1.high) == (d2.low, d2.high)  # reproducible
    assert d1.low < 0 < d1.high and not d1.significant


def test_bootstrap_ae_counts_lower_as_better():
    b = np.array([8.0, 9.0, 10.0, 7.0])
    a = b - 1.0
    d = paired_bootstrap(a, b, "ae", n_resamples=500)
    assert d.mean == pytest.approx(-1.0) and d.a_better and d.wins_a == 4 and d.wins_b == 0


def test_bootstrap_over_seeds_is_wider_than_over_images_alone():
    """Seeds that disagree add their spread to the interval (images × seeds)."""
    rng = np.random.default_rng(0)
    base = rng.normal(15, 2, 18)
    b = np.stack([base, base, base])
    a = np.stack([base + 0.5 + s for s in (-1.5, 0.0, 1.5)])  # seeds 1.5 dB apart
    wide = paired_bootstrap(a, b, "psnr", seed=1)
    narrow = paired_bootstrap(a[1:2], b[1:2], "psnr", seed=1)
    assert wide.n_seeds == 3 and wide.mean == pytest.approx(0.5)
    assert (wide.high - wide.low) > 5 * (narrow.high - narrow.low)


def test_bootstrap_refuses_unpaired_inputs():
    with pytest.raises(ValueError, match="not paired"):
        paired_bootstrap(np.ones(5), np.ones(6), "psnr")


# -- the reference floors ----------------------------------------------------------------------


def test_lookup_never_sees_a_validation_pixel():
    """Training has intensities 0..99 only; a validation image at 150..255 gets the colour of the
    nearest trained intensity (99), never its own RGB, however the validation RGB looks."""
    nir = np.tile(np.arange(100, dtype=np.uint8), (4, 10, 1))  # (4, 10, 100)
    rgb = np.stack([nir, nir // 2, np.full_like(nir, 7)], axis=-1)
    table = fit_lookup(nir, rgb)
    assert table[40] == pytest.approx([40, 20, 7])
    val_nir = np.full((1, 8, 8), 200, np.uint8)
    out = apply_lookup(table, val_nir)
    assert (out == np.array([99, 49, 7], np.uint8)).all()  # 99 // 2 = 49: the training colour
    # an intensity missing inside the range is interpolated between its trained neighbours
    gap = fit_lookup(np.array([[[10, 30]]], np.uint8), np.array([[[[10, 0, 0], [30, 0, 0]]]], np.uint8))
    assert gap[20, 0] == pytest.approx(20.0)


def test_pack_fits_the_lookup_on_training_pairs_only(tiny_dataset, tmp_path):
    from nircolor.data.packed import load_lookup, load_packed, pack_dataset
    from nircolor.data.validate import validate_dataset

    pack_dataset(validate_dataset(tiny_dataset), tmp_path)
    train, val, _ = load_packed(tmp_path)
    assert np.array_equal(load_lookup(tmp_path), fit_lookup(train.paired.nir, train.paired.rgb))


def test_gray_copies_nir_into_three_channels():
    nir = np.arange(12, dtype=np.uint8).reshape(3, 4)
    g = gray(nir)
    assert g.shape == (3, 4, 3) and all(np.array_equal(g[..., c], nir) for c in range(3))
    assert np.array_equal(reference_outputs("gray", nir, np.zeros((256, 3))), g)


# -- one inference rule, native-size scoring -----------------------------------------------------


class _Known(torch.nn.Module):
    """A stand-in generator with a known output: NIR in [-1, 1] copied into three channels."""

    size_multiple = 8

    def forward(self, x):
        return x.repeat(1, 3, 1, 1)


def test_scoring_is_at_native_size_through_the_model_scale():
    """A generator trained at a quarter of the native size runs on the area-downsampled image; its
    output comes back to native size bicubically and is scored against the untouched native RGB."""
    rng = np.random.default_rng(0)
    nir = rng.integers(0, 256, (2, 32, 32), dtype=np.uint8)
    rgb = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    val = PairArrays(nir, rgb, ("a", "b"))
    g = _Known()
    g.infer_scale = 0.25
    table, images = evaluate_generator(g, val)
    x = torch.from_numpy(nir).float().div(255)[:, None]
    small = F.interpolate(x, size=(8, 8), mode="area")
    back = F.interpolate(small.repeat(1, 3, 1, 1), size=(32, 32), mode="bicubic", align_corners=False).clamp(0, 1)
    expected = (back * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    assert images.shape == (2, 32, 32, 3) and np.array_equal(images, expected)
    assert table.iloc[:2][["psnr", "ssim", "ae"]].to_numpy() == pytest.approx(
        score_outputs(("a", "b"), expected, rgb).iloc[:2][["psnr", "ssim", "ae"]].to_numpy())
    # at scale 1 the generator runs on the image as it is
    g.infer_scale = 1.0
    _, same = evaluate_generator(g, val)
    assert np.array_equal(same[..., 0], nir)


def test_colorize_gives_what_evaluate_scored(tmp_path):
    """The same checkpoint, the same validation image: `nircolor colorize`'s array equals evaluate's."""
    from nircolor.inference import load_generator
    from nircolor.models import build_generator
    from nircolor.training.checkpoint import save_checkpoint

    from nircolor.models import build_discriminator

    gen = build_generator("dense", 1, 3, ngf=4, image_size=32)
    models = {"g_nir2rgb": gen.state_dict(), "g_rgb2nir": {}, "d_rgb": build_discriminator(3, ndf=4).state_dict(),
              "d_nir": {}}  # fmt: skip
    state = {"variant": "dense", "phase": "phase3", "epoch": 6, "complete": True, "scale": 0.5,
             "config": {"model": {"image_size": 32, "ngf": 4}}, "models": models, "optimizers": {},
             "rng": {}, "pools": {}, "history": []}  # fmt: skip
    save_checkpoint(state, tmp_path / "g.pt")
    g, meta = load_generator(tmp_path / "g.pt")
    assert meta["scale"] == 0.5 and g.infer_scale == 0.5 and meta["trained_px"] == 32
    rng = np.random.default_rng(2)
    nir = rng.integers(0, 256, (2, 64, 64), dtype=np.uint8)
    val = PairArrays(nir, rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8), ("a", "b"))
    _, images = evaluate_generator(g, val)
    assert np.array_equal(colorize_array(g, nir[1]), images[1])
    x = torch.from_numpy(nir[:1]).float().div(255)[:, None]
    assert colorize(g, x).shape == (1, 3, 64, 64)


# -- Table I: rows and columns --------------------------------------------------------------------


def _table(psnr, ssim, ae, names=("v0", "v1", "v2", "v3")):
    return metrics_table(list(names), psnr, ssim, ae)


def test_comparison_rows_columns_and_champion_line():
    base = _table([10, 11, 12, 13], [0.3, 0.4, 0.5, 0.6], [9, 8, 7, 6])
    dense = _table([20, 21, 22, 23], [0.5, 0.6, 0.7, 0.8], [4, 3, 2, 1])
    lookup = _table([15, 15, 15, 15], [0.45, 0.45, 0.45, 0.45], [5, 5, 5, 5])
    gray_t = _table([9, 9, 9, 9], [0.4, 0.4, 0.4, 0.4], [10, 10, 10, 10])
    c = compare({"baseline": [base], "dense": [dense]}, {"gray": gray_t, "lookup": lookup}, n_resamples=500)
    assert list(c.summary["name"]) == ["baseline", "dense", "gray", "lookup"]
    assert list(c.summary["kind"]) == ["variant", "variant", "reference", "reference"]
    assert [(a, b) for a, b, d in c.differences][::3] == [("dense", "baseline"), ("baseline", "lookup"), ("dense", "lookup")]
    assert c.beats == {"baseline": [], "dense": ["psnr", "ssim", "ae"]}
    assert c.champion == "dense"
    assert "dense ahead of baseline by 10.00 dB [10.00, 10.00], wins 4/4 images: significant" in c.champion_line
    assert c.champion_line.endswith("beats lookup on: psnr, ssim, ae")
    md = summary_markdown(c, {"dense": {"psnr": 17.14, "ssim": 0.52, "ae": 5.93}})
    lines = md.splitlines()
    assert lines[0] == "| model | PSNR (dB) | SSIM | AE (°) | beats lookup on |"
    assert lines[2] == "| baseline | 11.50 | 0.450 | 7.50 | none |"
    assert lines[5] == "| lookup (reference, no training) | 15.00 | 0.450 | 5.00 |  |"
    assert lines[6].startswith("| paper dense (VCIP 2020 Table I) | 17.14")
    assert "- dense − baseline, PSNR: +10.00 dB [10.00, 10.00], wins 4–0: significant: dense better" in differences_markdown(c)
    metrics = c.metrics()
    assert metrics["beats_lookup"]["dense"] == {"psnr": 1, "ssim": 1, "ae": 1}
    assert metrics["vs"]["dense_vs_lookup"]["ae"]["mean"] == pytest.approx(-2.5)


def test_variants_against_the_papers_rows():
    """`compare(paper=...)`: each variant minus a paper row's average, pooled over images × runs, the same
    bootstrap as against a constant per-image table; 'reaches' counts the metric's direction (AE: lower)."""
    from nircolor.comparison import paper_markdown

    t1 = _table([16, 17, 18, 19], [0.50, 0.52, 0.54, 0.56], [6.0, 6.2, 5.8, 5.6])
    t2 = _table([17, 17, 17, 17], [0.53, 0.53, 0.53, 0.53], [6.5, 6.5, 6.5, 6.5])
    row = {"psnr": 17.14, "ssim": 0.52, "ae": 5.93}
    c = compare({"dense_plus": [t1, t2]}, {}, n_resamples=300, paper={"dense": row})
    got = {d.metric: d for v, r, d in c.paper_differences if (v, r) == ("dense_plus", "dense")}
    # hand-computed: PSNR mean of the 8 cells 17.25 → +0.11; SSIM 0.53 → +0.01; AE 6.2 → +0.27
    assert got["psnr"].mean == pytest.approx(0.11) and got["ssim"].mean == pytest.approx(0.01)
    assert got["ae"].mean == pytest.approx(0.27)
    mat = np.stack([t1["psnr"].to_numpy()[:4], t2["psnr"].to_numpy()[:4]]).astype(float)
    same = paired_bootstrap(mat, np.full(4, 17.14), "psnr", n_resamples=300)
    assert (got["psnr"].low, got["psnr"].high) == (same.low, same.high)
    md = paper_markdown(c)
    assert "dense_plus − paper dense, PSNR: +0.11 dB" in md and "reaches the paper's dense row" in md
    assert "dense_plus − paper dense, AE: +0.27°" in md and "short of the paper's dense row" in md
    vs = c.metrics()["vs_paper"]["dense_plus_vs_paper_dense"]
    assert vs["psnr"]["reaches"] == 1 and vs["ssim"]["reaches"] == 1 and vs["ae"]["reaches"] == 0
    assert paper_markdown(compare({"dense_plus": [t1]}, {}, n_resamples=50)) == ""  # no rows asked: no section


def test_a_small_lead_is_reported_not_significant():
    rng = np.random.default_rng(4)
    p = rng.normal(15, 2, 18)
    names = [f"i{k}" for k in range(18)]
    a = metrics_table(names, p + rng.normal(0.05, 1.0, 18), np.full(18, 0.5), np.full(18, 6.0))
    b = metrics_table(names, p, np.full(18, 0.5), np.full(18, 6.0))
    c = compare({"baseline": [b], "dense": [a]}, {}, n_resamples=2000)
    assert "not significant" in c.champion_line


def test_several_runs_give_mean_and_sd():
    t1 = _table([10, 10, 10, 10], [0.5] * 4, [5] * 4)
    t2 = _table([12, 12, 12, 12], [0.5] * 4, [5] * 4)
    c = compare({"dense": [t1, t2], "baseline": [t1]}, {}, n_resamples=200)
    row = c.summary.set_index("name").loc["dense"]
    assert row["psnr"] == pytest.approx(11.0) and row["psnr_sd"] == pytest.approx(np.sqrt(2.0)) and row["runs"] == 2
    assert "11.00 ± 1.41" in summary_markdown(c)


def test_crop_scale_enlarges_the_training_set_and_records_the_scale():
    from nircolor.config import ModelConfig
    from nircolor.data.packed import TrainArrays
    from nircolor.training.batches import training_arrays

    rng = np.random.default_rng(3)
    paired = PairArrays(rng.integers(0, 256, (2, 32, 32), dtype=np.uint8),
                        rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), ("a", "b"))  # fmt: skip
    data = TrainArrays(paired, np.zeros((0, 32, 32, 3), np.uint8), "RGB-Registered", 1.0)
    native = training_arrays(data, ModelConfig(image_size=32, native_crops=True))
    assert native is data and native.scale == 1.0
    big = training_arrays(data, ModelConfig(image_size=32, native_crops=True, crop_scale=2))
    assert big.paired.nir.shape == (2, 64, 64) and big.paired.rgb.shape == (2, 64, 64, 3)
    assert big.scale == 2.0  # the checkpoint's scale: inference enlarges ×2 and averages back
    # a constant image stays constant: the enlargement is an interpolation of the same pixels
    flat = PairArrays(np.full((1, 32, 32), 77, np.uint8), np.full((1, 32, 32, 3), 9, np.uint8), ("c",))
    same = training_arrays(TrainArrays(flat, data.online_rgb, "x", 1.0), ModelConfig(image_size=32, native_crops=True, crop_scale=2))
    assert (same.paired.nir == 77).all() and (same.paired.rgb == 9).all()
    with pytest.raises(ValueError, match="native_crops"):
        ModelConfig(image_size=32, crop_scale=2)
