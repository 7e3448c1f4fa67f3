"""The fit/test split: disjoint, complete, seeded, and each group x outcome cell shared out as the test size says."""

from __future__ import annotations

import numpy as np
import pytest

from audit.errors import InputError
from audit.mitigation.split import stratified_split


def _data(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array(["a", "b", "c"], dtype=object), n, p=[0.6, 0.3, 0.1]), rng.integers(0, 2, n)


def test_split_is_disjoint_complete_and_stratified():
    g, y = _data()
    sp = stratified_split(g, y, seed=4, test_size=0.3)
    assert np.intersect1d(sp.fit, sp.test).size == 0
    assert np.array_equal(np.union1d(sp.fit, sp.test), np.arange(len(y)))
    for name in ("a", "b", "c"):
        for lab in (0, 1):
            cell = np.flatnonzero((g == name) & (y == lab))
            in_test = np.isin(cell, sp.test).sum()
            assert abs(in_test - 0.3 * len(cell)) <= 1.5  # each cell split 30/70 up to rounding
    assert sp.to_dict()["strata"] == 6


def test_same_seed_same_split_other_seed_other_split():
    g, y = _data()
    a, b, c = (stratified_split(g, y, seed=s) for s in (1, 1, 2))
    assert np.array_equal(a.test, b.test) and a.to_dict()["test_rows_sha256"] == b.to_dict()["test_rows_sha256"]
    assert not np.array_equal(a.test, c.test)


def test_single_row_cells_are_pooled_and_counted():
    g, y = _data(400)
    g = g.copy()
    g[0], y[0] = "lonely", 1
    g[1], y[1] = "other", 0
    sp = stratified_split(np.asarray(g), y, seed=0)
    assert sp.pooled_rows == 2
    assert len(sp.fit) + len(sp.test) == 400


def test_too_few_rows_for_the_cells_is_refused():
    g = np.array(["a"] * 4 + ["b"] * 4, dtype=object)
    with pytest.raises(InputError, match="cannot be split"):  # 2 test rows for 4 group x outcome cells
        stratified_split(g, np.array([0, 0, 1, 1, 0, 0, 1, 1]), test_size=0.25)
