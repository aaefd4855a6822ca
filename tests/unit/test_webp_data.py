"""scripts/webp_data.py: the dataset carried to the device as lossless WebP comes back pixel for pixel."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.scripts import load_script


def _module():
    return load_script("webp_data")


def _photo_like(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Smooth structure plus noise: compressible, but not trivially (WebP beats PNG on it)."""
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    base = 96 + 60 * np.sin(x / 7.0) * np.cos(y / 11.0)
    if len(shape) == 3:
        base = base[..., None] + np.array([0.0, 20.0, -25.0])
    return np.clip(base + rng.normal(0, 3, shape), 0, 255).astype(np.uint8)


def test_pack_then_unpack_gives_the_same_pixels_modes_and_names(tmp_path):
    m = _module()
    rng = np.random.default_rng(0)
    src = tmp_path / "src"
    (src / "NIR").mkdir(parents=True)
    (src / "RGB-Registered").mkdir()
    nir = _photo_like(rng, (64, 64))
    rgb = _photo_like(rng, (64, 64, 3))
    noise = rng.integers(0, 256, (64, 64), dtype=np.uint8)  # incompressible either way
    Image.fromarray(nir, "L").save(src / "NIR" / "a_0000_nir.png")
    Image.fromarray(noise, "L").save(src / "NIR" / "a_0001_nir.png")
    Image.fromarray(rgb, "RGB").save(src / "RGB-Registered" / "a_0000_rgb_reg.png")
    (src / "README.md").write_text("notes\n")

    n_in, n_out = m.pack(src, tmp_path / "packed")
    assert 0 < n_out < n_in
    assert (tmp_path / "packed" / "NIR" / "a_0000_nir.webp").exists()
    for png in src.rglob("*.png"):  # each image travels once, in the smaller of the two forms
        packed = tmp_path / "packed" / png.relative_to(src)
        as_webp, as_png = packed.with_suffix(".webp"), packed
        assert as_webp.exists() != as_png.exists()
        if as_webp.exists():
            assert as_webp.stat().st_size < png.stat().st_size

    assert m.unpack(tmp_path / "packed", tmp_path / "out") == 3
    for rel, want, mode in [
        ("NIR/a_0000_nir.png", nir, "L"),
        ("NIR/a_0001_nir.png", noise, "L"),
        ("RGB-Registered/a_0000_rgb_reg.png", rgb, "RGB"),
    ]:
        im = Image.open(tmp_path / "out" / rel)
        assert im.mode == mode
        np.testing.assert_array_equal(np.asarray(im), want)
    assert (tmp_path / "out" / "README.md").read_text() == "notes\n"
    assert not list((tmp_path / "out").rglob("*.webp")) and not list((tmp_path / "out").rglob("*.mode"))


def test_missing_source_folder_is_an_error_not_an_empty_copy(tmp_path, capsys):
    m = _module()
    assert m.main(["pack", str(tmp_path / "nope"), str(tmp_path / "dst")]) == 1
    assert "no such folder" in capsys.readouterr().err
    assert not (tmp_path / "dst").exists()
