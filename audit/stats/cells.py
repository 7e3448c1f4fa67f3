"""Encode sensitive features once into integer cell codes; every group and intersection is a union of cells.

A "cell" is one combination of values over all sensitive features (the finest intersection). Counting, bootstrapping
and aggregation all work on cells, so their cost does not grow with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse

from audit.errors import InputError
from audit.stats.arrays import FloatArray, IntArray

MISSING = "(missing)"


@dataclass(frozen=True)
class Level:
    """One way of grouping: a single sensitive feature, or an intersection of several."""

    features: tuple[str, ...]
    groups: tuple[dict[str, str], ...]
    group_of_cell: IntArray  # (C,) index into groups

    def membership(self, n_cells: int) -> sparse.csr_array:
        """(C, G) 0/1 matrix: summing cell counts over it gives group counts.

        Sparse, one entry per cell: a dense matrix needs C x G x 8 bytes, and C (the occupied finest intersections)
        grows with the rows while G may reach the group limit, e.g. 600,000 cells x 900 groups of a single column
        would be 4.3 GB. This holds C entries (about 16 bytes each) whatever G is."""
        return sparse.csr_array((np.ones(n_cells), (np.arange(n_cells), self.group_of_cell)), shape=(n_cells, len(self.groups)))


@dataclass(frozen=True)
class GroupIndex:
    features: tuple[str, ...]
    cell_of_row: IntArray  # (n,)
    cells: tuple[dict[str, str], ...]
    levels: tuple[Level, ...]

    @property
    def n_cells(self) -> int:
        return len(self.cells)


def _labels(col: pd.Series, name: str, weights: FloatArray | None = None) -> tuple[IntArray, list[str]]:
    """Integer codes and sorted text labels of a column's values; missing values get the last code, labelled MISSING.

    Works on the distinct values only (from the `category` codes, or one factorize pass), never on per-row strings."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        raw_codes, values = np.asarray(col.cat.codes, dtype=np.int64), col.cat.categories
    else:
        raw_codes, values = pd.factorize(col, use_na_sentinel=True)
        raw_codes = np.asarray(raw_codes, dtype=np.int64)
    seen = raw_codes >= 0
    counts = np.bincount(raw_codes[seen], weights=None if weights is None else np.asarray(weights)[seen], minlength=len(values))
    text = [str(v) for v in values]
    used = [i for i in range(len(values)) if counts[i] > 0]
    blank_rows = sum(round(float(counts[i])) for i in used if text[i].strip() == "")
    if blank_rows:
        raise InputError(
            f"Sensitive column '{name}' has {blank_rows} row(s) whose value is an empty string, so Attest cannot tell "
            "whether that is a missing value or a real group.",
            f"Fill those cells in '{name}' with a label (e.g. 'unknown'), or pass --na-values \"\" (or leave the cells truly "
            f"empty) to audit them as the visible '{MISSING}' group.",
        )
    names = sorted({text[i] for i in used})
    position = {t: k for k, t in enumerate(names)}
    remap = np.array([position.get(t, -1) for t in text] + [len(names)], dtype=np.int64)  # last entry: missing (-1)
    codes = remap[raw_codes]
    if (raw_codes < 0).any():
        names.append(MISSING)
    return codes, names


def check_repeated(sensitive: tuple[str, ...]) -> None:
    repeated = sorted({f for f in sensitive if sensitive.count(f) > 1})
    if repeated:
        raise InputError(
            f"Sensitive feature(s) named more than once: {', '.join(repeated)}.", "Name each sensitive feature once."
        )


def check_max_order(max_order: int | None) -> None:
    if max_order is not None and max_order < 1:
        raise InputError(
            f"--max-order {max_order} would audit no groups at all.",
            "Use --max-order 1 for single features only, 2 to add pairs, ...; or leave it out to audit all intersections.",
        )


def build_index(
    df: pd.DataFrame, sensitive: tuple[str, ...], max_order: int | None = None, weights: FloatArray | None = None
) -> GroupIndex:
    """Cells over all sensitive features, and levels for each feature and each intersection (up to `max_order`).
    `weights`: each row of `df` stands for that many rows (only the messages count rows)."""
    check_repeated(sensitive)
    check_max_order(max_order)
    codes, names = [], []
    for f in sensitive:
        c, n = _labels(df[f], f, weights)
        if len(n) < 2:
            raise InputError(
                f"Sensitive column '{f}' has a single value ({n[0]!r}) in every row, so there is no group to compare.",
                "Choose a sensitive feature that varies in the evaluation data, or check that the right file was loaded.",
            )
        codes.append(c)
        names.append(n)
    space = float(np.prod([len(n) for n in names], dtype=float))
    if space >= 2.0**62:
        # The mixed-radix code below would overflow int64 (e.g. 10 columns of 100 values): find the cells directly.
        per_feature, cell_of_row = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
        return _index(sensitive, names, per_feature, cell_of_row, max_order)
    combined = np.zeros(len(df), dtype=np.int64)
    for c, n in zip(codes, names, strict=True):
        combined = combined * len(n) + c
    if space <= max(4 * len(df), 1 << 16):
        # Same result as np.unique(combined, return_inverse=True), without sorting the rows.
        present = np.bincount(combined, minlength=int(space)) > 0
        occupied = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        cell_of_row = lookup[combined]
    else:
        occupied, cell_of_row = np.unique(combined, return_inverse=True)
    # Decode each occupied cell back into per-feature codes (mixed radix, last feature fastest).
    per_feature = np.zeros((len(occupied), len(sensitive)), dtype=np.int64)
    rest = occupied.copy()
    for j in range(len(sensitive) - 1, -1, -1):
        per_feature[:, j] = rest % len(names[j])
        rest //= len(names[j])
    return _index(sensitive, names, per_feature, cell_of_row, max_order)


def _unique_rows(keys: IntArray, sizes: list[int]) -> tuple[IntArray, IntArray]:
    """`np.unique(keys, axis=0, return_inverse=True)` (rows in lexicographic order) through one mixed-radix code per
    row, first column most significant: the same order, ~20x faster than numpy's row-wise unique on 60,000 cells."""
    if float(np.prod(sizes, dtype=float)) >= 2.0**62:
        return np.unique(keys, axis=0, return_inverse=True)  # the code would overflow int64
    code = np.zeros(len(keys), dtype=np.int64)
    for j, size in enumerate(sizes):
        code = code * size + keys[:, j]
    occupied, inverse = np.unique(code, return_inverse=True)
    uniq = np.zeros((len(occupied), len(sizes)), dtype=np.int64)
    rest = occupied.copy()
    for j in range(len(sizes) - 1, -1, -1):
        uniq[:, j] = rest % sizes[j]
        rest //= sizes[j]
    return uniq, inverse


def _index(
    sensitive: tuple[str, ...], names: list[list[str]], per_feature: IntArray, cell_of_row: IntArray, max_order: int | None
) -> GroupIndex:
    """Levels from the occupied cells, given as per-feature codes (one row per cell)."""
    cells = tuple({f: names[j][per_feature[i, j]] for j, f in enumerate(sensitive)} for i in range(len(per_feature)))
    levels = []
    top = len(sensitive) if max_order is None else min(max_order, len(sensitive))
    for order in range(1, top + 1):
        for combo in combinations(range(len(sensitive)), order):
            uniq, group_of_cell = _unique_rows(per_feature[:, combo], [len(names[j]) for j in combo])
            groups = tuple({sensitive[j]: names[j][u[k]] for k, j in enumerate(combo)} for u in uniq)
            levels.append(Level(tuple(sensitive[j] for j in combo), groups, group_of_cell.reshape(-1)))
    return GroupIndex(tuple(sensitive), cell_of_row.reshape(-1), cells, tuple(levels))
