"""Tests for nircolor.data.synth and .scenes: layout, byte-exact determinism, and that the scenes obey the physics."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from nircolor.data.materials import MATERIALS, VEGETATION
from nircolor.data.scenes import CATEGORIES, render_labelled_scene, render_scene
from nircolor.data.synth import SYNTH_VERSION, allocate, image_rng, write_synthetic
from nircolor.data.validate import validate_dataset

SMALL = dict(n_pairs=6, n_unpaired=4, n_val=2, size=32, seed=0)
# sha256 over the sorted (relative path, bytes) of write_synthetic(**SMALL). Changing the generator
# changes this: bump SYNTH_VERSION, then update the digest. (The bytes also depend on the zlib
# inside Pillow, which requirements.lock pins.)
SMALL_DIGEST = "6e243ea0bc1023636f97e12fe4f7f15c2af3897b68438da2ece552c9b742ba51"


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        h.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


@pytest.fixture(scope="module")
def data_small_synth(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "data"
    write_synthetic(root, **SMALL)
    return root


def test_small_set_is_pinned(data_small_synth):
    assert SYNTH_VERSION == "1"
    assert _digest(data_small_synth) == SMALL_DIGEST


def test_same_seed_gives_identical_files(data_small_synth, tmp_path):
    write_synthetic(tmp_path / "again", **SMALL)
    assert _digest(tmp_path / "again") == _digest(data_small_synth)


def test_different_seed_gives_different_files(data_small_synth, tmp_path):
    write_synthetic(tmp_path / "other", **{**SMALL, "seed": 1})
    assert _digest(tmp_path / "other") != _digest(data_small_synth)
    a = (data_small_synth / "NIR/field_0000_nir.png").read_bytes()
    assert a != (tmp_path / "other/NIR/field_0000_nir.png").read_bytes()


def test_layout_validates_with_the_right_counts(data_small_synth):
    index = validate_dataset(data_small_synth)
    assert len(index.pairs) == 6 and len(index.unpaired_rgb) == 4 and len(index.validation) == 2
    assert index.has_online
    assert index.image_size == (32, 32)
    assert set(index.categories()) <= set(CATEGORIES)
    assert [p.stem for p in index.validation] == ["validation_0000", "validation_0001"]
    assert all(p.name.endswith("_rgb_onl.png") for p in index.unpaired_rgb)
    assert dict(index.ignored) == {data_small_synth / "SYNTHETIC.md": "not part of the challenge layout"}


def test_label_says_synthetic(data_small_synth):
    text = (data_small_synth / "SYNTHETIC.md").read_text()
    assert "SYNTHETIC" in text and f"version {SYNTH_VERSION}" in text and "seed 0" in text
    assert "6 pairs" in text and "4 unpaired" in text and "2 pairs" in text


def test_write_returns_the_validated_index(tmp_path):
    index = write_synthetic(tmp_path / "d", n_pairs=4, n_unpaired=0, n_val=1, size=32)
    assert len(index.pairs) == 4 and not index.has_online and index.root == tmp_path / "d"
    assert not (tmp_path / "d/RGB-Online").exists()
    assert any(note.startswith("RGB-Online/ absent") for note in index.notes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no partial folder left behind


def test_challenge_category_counts():
    assert allocate(372) == {"country": 84, "field": 94, "forest": 100, "mountain": 94}
    for n in (0, 1, 5, 6, 1020):
        assert sum(allocate(n).values()) == n


def test_an_image_does_not_depend_on_the_counts(tmp_path):
    few = write_synthetic(tmp_path / "few", n_pairs=4, n_unpaired=0, n_val=1, size=32)
    many = write_synthetic(tmp_path / "many", n_pairs=12, n_unpaired=0, n_val=3, size=32)
    assert few.pairs[0].stem == many.pairs[0].stem == "country_0000"
    for a, b in ((few.pairs[0], many.pairs[0]), (few.validation[0], many.validation[0])):
        assert a.nir.read_bytes() == b.nir.read_bytes() and a.rgb.read_bytes() == b.rgb.read_bytes()


def test_validation_never_repeats_training(data_small_synth):
    index = validate_dataset(data_small_synth)  # also checks pixel-identical NIR across splits
    val = {p.nir.read_bytes() for p in index.validation}
    assert not val & {p.nir.read_bytes() for p in index.pairs}


def test_rewrites_a_synthetic_dataset_but_not_other_folders(tmp_path):
    root = tmp_path / "d"
    write_synthetic(root, n_pairs=8, n_unpaired=0, n_val=1, size=32)
    write_synthetic(root, n_pairs=4, n_unpaired=0, n_val=1, size=32)
    assert len(list((root / "NIR").iterdir())) == 4  # no stale files from the larger run
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="refusing"):
        write_synthetic(other, n_pairs=4, n_unpaired=0, n_val=1, size=32)
    assert (other / "keep.txt").read_text() == "precious"


def test_progress_reports_every_image(tmp_path):
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    write_synthetic(tmp_path / "d", n_pairs=4, n_unpaired=2, n_val=1, size=32, progress=progress)
    # Image files: 4 pairs, 2 unpaired, 1 validation pair = 12.
    assert calls == [(2, 12), (4, 12), (6, 12), (8, 12), (9, 12), (10, 12), (12, 12)]


def test_threads_do_not_change_the_output(tmp_path):
    counts = dict(n_pairs=12, n_unpaired=6, n_val=2, size=32)  # above the threading threshold
    write_synthetic(tmp_path / "one", workers=1, **counts)
    write_synthetic(tmp_path / "four", workers=4, **counts)
    assert _digest(tmp_path / "one") == _digest(tmp_path / "four")


@pytest.mark.parametrize("size", [0, 16, 31, 48, 100, 257, True, 64.0, "64"])
def test_size_must_be_a_power_of_two_of_at_least_32(tmp_path, size):
    with pytest.raises(ValueError, match="power of two"):
        write_synthetic(tmp_path / "d", n_pairs=1, n_unpaired=0, n_val=1, size=size)
    with pytest.raises(ValueError, match="power of two"):
        render_scene(image_rng(0, 0, 0, 0), size, "forest")
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("bad", [dict(n_pairs=0), dict(n_val=0), dict(n_unpaired=-1), dict(seed=-1), dict(n_pairs=2.5)])
def test_counts_and_seed_are_checked(tmp_path, bad):
    with pytest.raises(ValueError):
        write_synthetic(tmp_path / "d", **{**dict(n_pairs=1, n_unpaired=0, n_val=1, size=32), **bad})


def test_unknown_category():
    with pytest.raises(ValueError, match="category"):
        render_scene(image_rng(0, 0, 0, 0), 32, "desert")


@pytest.mark.parametrize("size", [32, 64, 128, 256])
@pytest.mark.parametrize("category", CATEGORIES)
def test_scene_shapes_and_types(size, category):
    nir, rgb = render_scene(image_rng(3, 0, CATEGORIES.index(category), 0), size, category)
    assert nir.shape == (size, size) and nir.dtype == np.uint8
    assert rgb.shape == (size, size, 3) and rgb.dtype == np.uint8
    assert nir.std() > 5 and rgb.std() > 5  # a scene, not a flat fill


# --- physics ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_material_stats() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per material: all its NIR values and RGB triplets over 48 scenes at 64×64."""
    nir: dict[str, list[np.ndarray]] = {m: [] for m in MATERIALS}
    rgb: dict[str, list[np.ndarray]] = {m: [] for m in MATERIALS}
    for c, category in enumerate(CATEGORIES):
        for i in range(12):
            scene = render_labelled_scene(image_rng(11, 0, c, i), 64, category)
            for k, name in enumerate(MATERIALS):
                mask = scene.materials == k
                nir[name].append(scene.nir[mask].astype(float))
                rgb[name].append(scene.rgb[mask].astype(float))
    return {m: (np.concatenate(nir[m]), np.concatenate(rgb[m])) for m in MATERIALS}


def test_vegetation_is_bright_in_nir_and_water_dark(data_material_stats):
    veg_nir = np.concatenate([data_material_stats[m][0] for m in VEGETATION])
    water_nir, _ = data_material_stats["water"]
    assert len(veg_nir) > 1000 and len(water_nir) > 100
    assert veg_nir.mean() > 130 and water_nir.mean() < 40
    assert veg_nir.mean() > water_nir.mean() + 100


def test_red_edge_vegetation_brighter_in_nir_than_in_visible(data_material_stats):
    # Chlorophyll absorbs red and blue; leaf structure scatters NIR: NIR far above the visible mean.
    for name in VEGETATION:
        nir, rgb = data_material_stats[name]
        assert nir.mean() > 1.5 * rgb.mean(), name
        assert rgb[:, 1].mean() > rgb[:, 0].mean() and rgb[:, 1].mean() > rgb[:, 2].mean(), f"{name} is green"


def test_water_and_sky_darker_in_nir_than_in_blue(data_material_stats):
    for name in ("water", "sky"):
        nir, rgb = data_material_stats[name]
        assert nir.mean() < 0.6 * rgb[:, 2].mean(), name
        assert rgb[:, 2].mean() > rgb[:, 0].mean(), f"{name} is blue"


def test_nir_alone_is_ambiguous(data_material_stats):
    # Grass, cloud and snow share NIR brightness but not colour: colour must come from context.
    grass_nir, grass_rgb = data_material_stats["grass"]
    cloud_nir, cloud_rgb = data_material_stats["cloud"]
    assert abs(grass_nir.mean() - cloud_nir.mean()) < 50
    assert np.abs(grass_rgb.mean(0) - cloud_rgb.mean(0)).max() > 80


def test_forest_scenes_are_brighter_in_nir_than_in_green(data_material_stats):
    ratios = []
    for i in range(8):
        scene = render_labelled_scene(image_rng(5, 0, CATEGORIES.index("forest"), i), 64, "forest")
        ground = scene.materials != MATERIALS.index("sky")
        ratios.append(scene.nir[ground].mean() / scene.rgb[..., 1][ground].mean())
    assert min(ratios) > 1.3
