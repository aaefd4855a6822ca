"""scripts/oracles.py's median lookup: by hand, and against numpy's median on random pixels."""

from __future__ import annotations

import numpy as np

from tests.scripts import load_script


def test_median_lookup_by_hand():
    oracles = load_script("oracles")
    nir = np.array([[0, 0, 0, 1, 1, 3]], np.uint8)
    rgb = np.zeros((1, 6, 3))
    rgb[0, :, 0] = [0, 10, 2, 5, 7, 9]  # intensity 0: median of 0, 10, 2 is 2; intensity 1: (5 + 7) / 2
    rgb[0, :, 1] = [4, 4, 4, 1, 3, 8]
    table = oracles.fit_median_lookup(nir, rgb)
    assert table.shape == (256, 3)
    np.testing.assert_allclose(table[:4, 0], [2, 6, 7.5, 9])  # 2 unseen: halfway between 1 and 3
    np.testing.assert_allclose(table[:4, 1], [4, 2, 5, 8])
    assert (table[4:, 0] == 9).all()  # constant past the last seen intensity


def test_median_lookup_matches_numpy_and_differs_from_the_mean():
    oracles = load_script("oracles")
    from nircolor.references import fit_lookup

    rng = np.random.default_rng(0)
    nir = rng.integers(0, 256, (3, 20, 20)).astype(np.uint8)
    rgb = rng.exponential(40.0, (3, 20, 20, 3))  # skewed: median below mean
    table = oracles.fit_median_lookup(nir, rgb)
    for v in np.unique(nir)[:20]:
        np.testing.assert_allclose(table[v], np.median(rgb[nir == v], axis=0))
    assert table.mean() < fit_lookup(nir, rgb).mean()
