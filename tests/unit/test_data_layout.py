"""Tests for nircolor.data.layout and .validate: every way a dataset can be broken is reported, all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nircolor.data.layout import (
    EXPECTED_LAYOUT,
    NOTE_NO_ONLINE,
    DatasetError,
    DatasetIndex,
    Pair,
    load_pairs,
    load_rgb,
)
from nircolor.data.validate import validate_dataset

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared/data/vcip2020"
SIZE = 32


def _nir(seed: int, size: int = SIZE) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)


def _rgb(seed: int, size: int = SIZE) -> np.ndarray:
    return np.random.default_rng(seed + 10_000).integers(0, 256, (size, size, 3), dtype=np.uint8)


def _write(path: Path, array: np.ndarray, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)
    return path


def _dataset(root: Path, n_train: int = 3, n_val: int = 2, n_online: int = 0) -> Path:
    """A small valid dataset in the challenge layout, every image distinct."""
    for i in range(n_train):
        stem = f"country_{i:04d}"
        _write(root / "NIR" / f"{stem}_nir.png", _nir(i))
        _write(root / "RGB-Registered" / f"{stem}_rgb_reg.png", _rgb(i))
    for i in range(n_val):
        stem = f"validation_{i:04d}"
        _write(root / "Validation" / f"{stem}_nir.png", _nir(100 + i))
        _write(root / "Validation" / f"{stem}_rgb_reg.png", _rgb(100 + i))
    for i in range(n_online):
        _write(root / "RGB-Online" / f"web_{i:04d}_rgb_onl.png", _rgb(200 + i))
    return root


def _error(root: Path, **kwargs) -> DatasetError:
    with pytest.raises(DatasetError) as excinfo:
        validate_dataset(root, **kwargs)
    return excinfo.value


def _assert_problem(err: DatasetError, path: Path, fragment: str) -> None:
    """The message has a line ``<path>: <reason>`` whose reason contains ``fragment``."""
    lines = [line for line in str(err).splitlines() if line.startswith(f"{path}: ")]
    assert lines, f"no line for {path} in:\n{err}"
    assert any(fragment in line for line in lines), f"{fragment!r} not in {lines}"


# --- a valid dataset ----------------------------------------------------------------------------


def test_valid_dataset_is_indexed(tmp_path):
    root = _dataset(tmp_path / "d")
    index = validate_dataset(root)
    assert isinstance(index, DatasetIndex)
    assert index.root == root
    assert [p.stem for p in index.pairs] == ["country_0000", "country_0001", "country_0002"]
    assert index.pairs[0] == Pair(
        "country_0000", root / "NIR/country_0000_nir.png", root / "RGB-Registered/country_0000_rgb_reg.png"
    )
    assert [p.stem for p in index.validation] == ["validation_0000", "validation_0001"]
    assert index.unpaired_rgb == () and not index.has_online
    assert NOTE_NO_ONLINE in index.notes
    assert index.image_size == (SIZE, SIZE)
    assert index.ignored == ()
    summary = index.summary()
    assert "training pairs:    3" in summary and "validation pairs:  2" in summary and "country 3" in summary


def test_online_folder_is_indexed(tmp_path):
    index = validate_dataset(_dataset(tmp_path / "d", n_online=2))
    assert index.has_online
    assert [p.name for p in index.unpaired_rgb] == ["web_0000_rgb_onl.png", "web_0001_rgb_onl.png"]
    assert NOTE_NO_ONLINE not in index.notes


def test_empty_online_folder_is_a_problem(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "RGB-Online").mkdir()
    _assert_problem(_error(root), root / "RGB-Online", "holds no images")


def test_load_pairs_and_rgb(tmp_path):
    index = validate_dataset(_dataset(tmp_path / "d", n_online=2))
    nir, rgb = load_pairs(index.pairs)
    assert nir.shape == (3, SIZE, SIZE) and nir.dtype == np.uint8
    assert rgb.shape == (3, SIZE, SIZE, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(nir[1], _nir(1))
    np.testing.assert_array_equal(rgb[2], _rgb(2))
    online = load_rgb(index.unpaired_rgb)
    assert online.shape == (2, SIZE, SIZE, 3)
    np.testing.assert_array_equal(online[0], _rgb(200))
    assert load_pairs([])[0].shape[0] == 0 and load_rgb([]).shape[0] == 0


# --- one broken thing at a time -----------------------------------------------------------------


def test_zero_byte_file(tmp_path):
    root = _dataset(tmp_path / "d")
    path = root / "NIR/country_0001_nir.png"
    path.write_bytes(b"")
    _assert_problem(_error(root), path, "zero-byte file")


def test_truncated_png(tmp_path):
    root = _dataset(tmp_path / "d")
    path = root / "RGB-Registered/country_0001_rgb_reg.png"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _assert_problem(_error(root), path, "truncated")


def test_truncated_png_passes_header_only_check(tmp_path):
    root = _dataset(tmp_path / "d")
    path = root / "RGB-Registered/country_0001_rgb_reg.png"
    path.write_bytes(path.read_bytes()[:-200])
    index = validate_dataset(root, decode=False)
    assert any("headers only" in note for note in index.notes)


def test_not_an_image_with_png_extension(tmp_path):
    root = _dataset(tmp_path / "d")
    path = root / "Validation/validation_0001_nir.png"
    path.write_text("not a picture")
    _assert_problem(_error(root), path, "not an image")


def test_nir_without_rgb_partner(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "RGB-Registered/country_0002_rgb_reg.png").unlink()
    _assert_problem(_error(root), root / "NIR/country_0002_nir.png", "no RGB partner")


def test_rgb_without_nir_partner(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "NIR/country_0000_nir.png").unlink()
    _assert_problem(_error(root), root / "RGB-Registered/country_0000_rgb_reg.png", "no NIR partner")


def test_validation_nir_without_partner(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "Validation/validation_0001_rgb_reg.png").unlink()
    _assert_problem(_error(root), root / "Validation/validation_0001_nir.png", "no RGB partner")


def test_pair_size_mismatch(tmp_path):
    root = _dataset(tmp_path / "d")
    path = _write(root / "RGB-Registered/country_0001_rgb_reg.png", _rgb(1, size=48))
    err = _error(root)
    _assert_problem(err, path, "differs from its partner")
    assert "48×48" in str(err) and str(root / "NIR/country_0001_nir.png") in str(err)


def test_sizes_differ_across_dataset(tmp_path):
    root = _dataset(tmp_path / "d")
    nir = _write(root / "Validation/validation_0000_nir.png", _nir(100, size=64))
    rgb = _write(root / "Validation/validation_0000_rgb_reg.png", _rgb(100, size=64))
    err = _error(root)
    _assert_problem(err, nir, "differs from the common size 32×32")
    _assert_problem(err, rgb, "differs from the common size 32×32")


def test_non_square_images(tmp_path):
    root = tmp_path / "d"
    for folder, stem in (("NIR", "a_0000"), ("Validation", "v_0000")):
        _write(root / folder / f"{stem}_nir.png", np.zeros((32, 48), np.uint8))
    for folder, stem in (("RGB-Registered", "a_0000"), ("Validation", "v_0000")):
        _write(root / folder / f"{stem}_rgb_reg.png", np.zeros((32, 48, 3), np.uint8))
    _assert_problem(_error(root), root, "square")


def test_nir_with_three_unequal_channels(tmp_path):
    root = _dataset(tmp_path / "d")
    path = _write(root / "NIR/country_0001_nir.png", _rgb(1))
    _assert_problem(_error(root), path, "3 unequal channels")


def test_nir_with_three_equal_channels_is_accepted(tmp_path):
    root = _dataset(tmp_path / "d")
    _write(root / "NIR/country_0001_nir.png", np.repeat(_nir(1)[..., None], 3, axis=2))
    index = validate_dataset(root)
    nir, _ = load_pairs(index.pairs)
    np.testing.assert_array_equal(nir[1], _nir(1))


def test_rgb_with_alpha(tmp_path):
    root = _dataset(tmp_path / "d")
    rgba = np.concatenate([_rgb(2), np.full((SIZE, SIZE, 1), 255, np.uint8)], axis=2)
    path = _write(root / "RGB-Registered/country_0002_rgb_reg.png", rgba)
    _assert_problem(_error(root), path, "has an alpha channel")


def test_16bit_nir_is_accepted_and_scaled(tmp_path):
    root = _dataset(tmp_path / "d")
    values = np.full((SIZE, SIZE), 65535, np.uint16)
    values[: SIZE // 2] = 32768
    _write(root / "NIR/country_0001_nir.png", values)
    index = validate_dataset(root)
    assert any("16-bit" in note for note in index.notes)
    nir, _ = load_pairs(index.pairs)
    assert nir.dtype == np.uint8
    assert (nir[1, : SIZE // 2] == 128).all() and (nir[1, SIZE // 2 :] == 255).all()


def test_empty_nir_folder_shows_expected_layout(tmp_path):
    root = _dataset(tmp_path / "d")
    shutil.rmtree(root / "NIR")
    (root / "NIR").mkdir()
    err = _error(root)
    _assert_problem(err, root / "NIR", "holds no images")
    assert EXPECTED_LAYOUT in str(err)
    # The RGB images lost their partners too: reported in the same error.
    _assert_problem(err, root / "RGB-Registered/country_0000_rgb_reg.png", "no NIR partner")


def test_missing_folder_shows_expected_layout(tmp_path):
    root = _dataset(tmp_path / "d")
    shutil.rmtree(root / "Validation")
    err = _error(root)
    _assert_problem(err, root / "Validation", "folder is missing")
    assert EXPECTED_LAYOUT in str(err)


def test_wrong_case_folder_gets_a_hint(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "NIR").rename(root / "nir")
    err = _error(root)
    _assert_problem(err, root / "NIR", "found 'nir'")


def test_missing_root_shows_expected_layout(tmp_path):
    root = tmp_path / "nowhere"
    err = _error(root)
    assert err.problems[0].path == root
    _assert_problem(err, root, "does not exist")
    assert EXPECTED_LAYOUT in str(err)


def test_root_is_a_file(tmp_path):
    root = tmp_path / "file"
    root.write_text("x")
    _assert_problem(_error(root), root, "is a file")


def test_duplicate_stems(tmp_path):
    root = _dataset(tmp_path / "d")
    jpg = _write(root / "NIR/country_0001_nir.jpg", _nir(1))
    err = _error(root)
    _assert_problem(err, root / "NIR/country_0001_nir.png", "duplicate stem 'country_0001'")
    _assert_problem(err, jpg, "duplicate stem 'country_0001'")


def test_misnamed_image(tmp_path):
    root = _dataset(tmp_path / "d")
    foo = _write(root / "NIR/foo.png", _nir(9))
    swapped = _write(root / "NIR/country_0009_rgb_reg.png", _rgb(9))
    err = _error(root)
    _assert_problem(err, foo, "name does not match '<stem>_nir.<ext>'")
    _assert_problem(err, swapped, "looks like a file for RGB-Registered/")


def test_non_image_files_are_ignored_and_listed(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "NIR/notes.txt").write_text("hello")
    (root / "RGB-Registered/.DS_Store").write_bytes(b"\0\0")
    (root / "Validation/._validation_0000_nir.png").write_bytes(b"\0\0")  # macOS resource fork
    (root / "NIR/old").mkdir()
    _write(root / "NIR/old/country_0099_nir.png", _nir(99))  # not searched: unknown subfolder
    (root / "README.md").write_text("data")
    (root / "extra").mkdir()
    index = validate_dataset(root)
    ignored = dict(index.ignored)
    assert ignored[root / "NIR/notes.txt"].startswith("not an image file")
    assert ignored[root / "RGB-Registered/.DS_Store"] == "hidden file"
    assert ignored[root / "Validation/._validation_0000_nir.png"] == "hidden file"
    assert ignored[root / "NIR/old"].startswith("subfolder")
    assert ignored[root / "README.md"] == ignored[root / "extra"] == "not part of the challenge layout"
    assert len(index.pairs) == 3
    summary = index.summary()
    assert "ignored:           6" in summary and "NIR/notes.txt: not an image file" in summary


def test_multiple_problems_reported_together(tmp_path):
    root = _dataset(tmp_path / "d", n_train=4)
    zero = root / "NIR/country_0000_nir.png"
    zero.write_bytes(b"")
    (root / "RGB-Registered/country_0001_rgb_reg.png").unlink()
    alpha = _write(root / "RGB-Registered/country_0002_rgb_reg.png", np.zeros((SIZE, SIZE, 4), np.uint8))
    not_image = root / "Validation/validation_0000_rgb_reg.png"
    not_image.write_text("?")
    err = _error(root)
    assert len(err.problems) == 4
    _assert_problem(err, zero, "zero-byte")
    _assert_problem(err, root / "NIR/country_0001_nir.png", "no RGB partner")
    _assert_problem(err, alpha, "alpha")
    _assert_problem(err, not_image, "not an image")
    assert str(err).splitlines()[0].endswith("has 4 problems:")
    assert EXPECTED_LAYOUT not in str(err)  # nothing about the layout itself is wrong


def test_broken_symlink(tmp_path):
    root = _dataset(tmp_path / "d")
    link = root / "NIR/country_0003_nir.png"
    link.symlink_to(tmp_path / "gone.png")
    _assert_problem(_error(root), link, "broken symlink")


def test_symlink_loop(tmp_path):
    root = _dataset(tmp_path / "d")
    a, b = root / "RGB-Registered/country_0003_rgb_reg.png", root / "RGB-Registered/country_0004_rgb_reg.png"
    a.symlink_to(b)
    b.symlink_to(a)
    err = _error(root)
    _assert_problem(err, a, "symlink loop")
    _assert_problem(err, b, "symlink loop")


def test_symlinked_files_and_folders_work(tmp_path):
    source = _dataset(tmp_path / "source")
    root = tmp_path / "d"
    root.mkdir()
    for folder in ("NIR", "RGB-Registered", "Validation"):
        (root / folder).symlink_to(source / folder)
    assert len(validate_dataset(root).pairs) == 3


def test_broken_symlink_to_a_folder(tmp_path):
    root = _dataset(tmp_path / "d")
    shutil.rmtree(root / "Validation")
    (root / "Validation").symlink_to(tmp_path / "gone")
    _assert_problem(_error(root), root / "Validation", "broken symlink")


def test_validation_stem_overlapping_training(tmp_path):
    root = _dataset(tmp_path / "d")
    nir = _write(root / "Validation/country_0001_nir.png", _nir(1001))
    _write(root / "Validation/country_0001_rgb_reg.png", _rgb(1001))
    _assert_problem(_error(root), nir, "validation pair also in training set")


def test_validation_image_identical_to_training_image(tmp_path):
    root = _dataset(tmp_path / "d")
    shutil.copy(root / "NIR/country_0002_nir.png", root / "Validation/validation_0001_nir.png")
    _assert_problem(_error(root), root / "Validation/validation_0001_nir.png", "identical to training image")


def test_error_lists_problems_sorted_one_per_line(tmp_path):
    root = _dataset(tmp_path / "d")
    (root / "NIR/country_0002_nir.png").write_bytes(b"")
    (root / "NIR/country_0000_nir.png").write_bytes(b"")
    err = _error(root)
    assert [p.path.name for p in err.problems] == ["country_0000_nir.png", "country_0002_nir.png"]
    lines = str(err).splitlines()
    assert lines[1:] == [f"{p.path}: {p.reason}" for p in err.problems]


# --- the real data ------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_vcip2020_data_validates():
    if not REAL_DATA.is_dir():
        pytest.skip(f"real VCIP 2020 data not found at {REAL_DATA}")
    index = validate_dataset(REAL_DATA)
    assert len(index.pairs) == 372
    assert len(index.validation) == 18
    assert not index.has_online and index.unpaired_rgb == ()
    assert any(note.startswith("RGB-Online/ absent") for note in index.notes)
    assert index.image_size == (256, 256)
    assert index.categories() == {"country": 84, "field": 94, "forest": 100, "mountain": 94}
