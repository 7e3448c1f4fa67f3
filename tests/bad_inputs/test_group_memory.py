"""Group membership without a dense cells x groups matrix (issue 11 item 2).

Within the group limit a single sensitive column may have ~1,000 values while the occupied cells (finest intersections
over all sensitive columns) grow with the rows: 200,000 cells x 1,500 groups was a 2.4 GB dense float matrix for one
level, allocated before any statistic. `Level.membership` is sparse now; these tests hold the memory to a few MB and the
group counts to an independent sum.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from audit.stats.bootstrap import aggregate
from audit.stats.cells import Level
from audit.stats.estimates import level_stats


def _level(n_cells: int, n_groups: int, seed: int = 0) -> tuple[Level, np.ndarray]:
    rng = np.random.default_rng(seed)
    group_of_cell = rng.integers(0, n_groups, n_cells)
    group_of_cell[:n_groups] = np.arange(n_groups)  # every group occupied
    level = Level(features=("zone",), groups=tuple({"zone": f"z{g}"} for g in range(n_groups)), group_of_cell=group_of_cell)
    cell_counts = rng.integers(0, 30, (n_cells, 4))
    return level, cell_counts


def _independent_sum(level: Level, cell_counts: np.ndarray) -> np.ndarray:
    out = np.zeros((len(level.groups), 4), dtype=np.int64)
    np.add.at(out, level.group_of_cell, cell_counts)
    return out


def test_group_counts_equal_an_independent_sum_sparse_and_dense():
    level, cells = _level(3_000, 70, seed=4)
    expected = _independent_sum(level, cells)
    m = level.membership(len(cells))
    assert m.shape == (3_000, 70) and m.nnz == 3_000
    assert np.array_equal(np.rint(aggregate(cells, m)).astype(np.int64), expected)
    assert np.array_equal(np.rint(aggregate(cells, m.toarray())).astype(np.int64), expected)
    # Batched counts (draws, C, 4) still aggregate, draw by draw.
    batch = np.stack([cells, cells * 2])
    got = np.rint(aggregate(batch, m)).astype(np.int64)
    assert got.shape == (2, 70, 4) and np.array_equal(got[1], 2 * expected)


def test_a_level_whose_dense_membership_would_need_gigabytes_stays_small():
    n_cells, n_groups = 200_000, 1_500  # dense: 200,000 x 1,500 x 8 bytes = 2.4 GB
    level, cells = _level(n_cells, n_groups, seed=9)
    tracemalloc.start()
    try:
        stats = level_stats(level, n_cells, cells, {}, draws=20, rng=np.random.default_rng(0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(stats.counts, _independent_sum(level, cells))
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.0f} MiB while summing {n_cells:,} cells into {n_groups:,} groups"
