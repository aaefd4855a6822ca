"""Ingest on the real VCIP 2020 data (../shared/data/vcip2020): counts, pairing, validation kept out of training."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from nircolor.data.io import read_image
from nircolor.data.packed import load_packed, pack_dataset
from nircolor.data.validate import validate_dataset

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "data" / "vcip2020"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REAL.is_dir(), reason=f"real VCIP 2020 data not found at {REAL}"),
]


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    index = validate_dataset(REAL)
    out = tmp_path_factory.mktemp("real_pack")
    manifest = pack_dataset(index, out)  # full size: what `ingest` does with params.yaml
    train, val, _ = load_packed(out)
    return index, manifest, train, val


def test_counts_and_the_unpaired_substitute(packed):
    index, manifest, train, val = packed
    assert len(train.paired) == 372 and len(val) == 18
    assert manifest["counts"]["online"] == 0 and not index.has_online
    assert manifest["unpaired_source"] == "RGB-Registered (substitute: no RGB-Online)"
    assert train.unpaired_size == 372  # the pool is RGB-Registered alone
    assert any("RGB-Online" in note for note in manifest["notes"])
    assert train.paired.nir.shape == (372, 256, 256) and train.paired.rgb.shape == (372, 256, 256, 3)
    categories = {s.rsplit("_", 1)[0] for s in train.paired.stems}
    assert categories == {"country", "field", "forest", "mountain"}


def test_pairs_are_matched_by_stem(packed):
    index, _, train, _ = packed
    rng = np.random.default_rng(0)
    for i in rng.choice(len(train.paired), size=12, replace=False):
        stem = train.paired.stems[i]
        assert np.array_equal(train.paired.nir[i], read_image(REAL / "NIR" / f"{stem}_nir.png", "nir"))
        assert np.array_equal(train.paired.rgb[i], read_image(REAL / "RGB-Registered" / f"{stem}_rgb_reg.png", "rgb"))
    rows = packed[1]["files"]  # the ingest report: every file and what happened to it
    packed_rows = [r for r in rows if r["status"] == "packed"]
    assert len(packed_rows) == 2 * 372 + 2 * 18
    assert all(r["role"] == "ignored" for r in rows if r["status"] != "packed")
    assert {Path(r["path"]).name for r in rows if r["role"] == "ignored"} == {
        p.name for p, _ in index.ignored
    }


def test_validation_pairs_never_enter_training(packed):
    _, _, train, val = packed
    assert not set(val.stems) & set(train.paired.stems)
    assert all(s.startswith("validation_") for s in val.stems)

    def digests(stack: np.ndarray) -> set[str]:
        return {hashlib.sha256(np.ascontiguousarray(img).tobytes()).hexdigest() for img in stack}

    assert not digests(val.nir) & digests(train.paired.nir)
    assert not digests(val.rgb) & digests(train.paired.rgb)
    # and not the unpaired pool either: it is built from the training pairs only
    pool = np.stack([train.unpaired_rgb(j) for j in range(train.unpaired_size)])
    assert not digests(val.rgb) & digests(pool)
