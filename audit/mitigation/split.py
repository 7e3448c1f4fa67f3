"""A seeded fit/test split, stratified by group x label, so every group's positives and negatives are in both parts.

The thresholds are fitted on one part and judged on the other: judged on the rows they were fitted on, any rule
looks fairer and more accurate than it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from audit.errors import InputError
from audit.stats.arrays import IntArray, Keys


@dataclass(frozen=True)
class Split:
    seed: int
    test_size: float
    fit: IntArray  # row positions, sorted
    test: IntArray  # row positions, sorted
    strata: int  # group x label cells used for stratifying
    pooled_rows: int  # rows of cells too small to split (fewer than 2 rows), stratified together

    def to_dict(self) -> dict[str, str | int | float]:
        digest = hashlib.sha256(np.ascontiguousarray(self.test, dtype="<i8").tobytes()).hexdigest()
        return {
            "seed": self.seed,
            "test_size": self.test_size,
            "fit_rows": len(self.fit),
            "test_rows": len(self.test),
            "stratified_by": "group x label",
            "strata": self.strata,
            "pooled_rows": self.pooled_rows,
            "test_rows_sha256": digest,
            "method": "sklearn.model_selection.train_test_split(stratify=group x label, random_state=seed)",
        }


def strata_of(group: Keys, y: IntArray) -> tuple[IntArray, int]:
    """Stratum per row: 2 x (the group's rank among the sorted group names) + label; cells with a single row are
    pooled into one stratum, -1 (sklearn needs 2 rows per stratum)."""
    import pandas as pd

    codes, _ = pd.factorize(pd.Series(group, dtype=object), sort=True)
    cell = codes.astype(np.int64) * 2 + np.asarray(y, dtype=np.int64)
    lonely = np.bincount(cell)[cell] < 2
    cell[lonely] = -1
    return cell, int(lonely.sum())


def stratified_split(group: Keys, y: IntArray, *, seed: int = 0, test_size: float = 0.5) -> Split:
    """Split rows into fit and test parts; the same inputs and seed give the same split on any machine."""
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise InputError(f"--test-size {test_size:g} is not a share between 0 and 1.", "Use e.g. --test-size 0.5.")
    n = len(y)
    cell, pooled = strata_of(group, y)
    n_test = int(np.ceil(test_size * n))
    n_strata = len(np.unique(cell))
    if n_test < n_strata or n - n_test < n_strata:
        raise InputError(
            f"{n} rows cannot be split into fit and test parts holding each of the {n_strata} group x outcome cells.",
            "Use a --test-size nearer 0.5, or mitigate a run on more rows.",
        )
    strat = cell
    if pooled == 1:  # a pooled stratum of one row still cannot be split: it joins the largest stratum
        values, counts = np.unique(cell, return_counts=True)
        strat = np.where(cell == -1, values[np.argmax(counts)], cell)
    fit, test = train_test_split(np.arange(n), test_size=test_size, random_state=seed, stratify=strat)
    return Split(seed=seed, test_size=test_size, fit=np.sort(fit), test=np.sort(test), strata=n_strata, pooled_rows=pooled)


def check_fit_groups(group: Keys, y: IntArray, fit: IntArray) -> None:
    """Every group needs people with both outcomes among the fit rows, or no threshold can be chosen for it."""
    names = np.unique(group)
    g_fit, y_fit = group[fit], y[fit]
    bad = [str(g) for g in names if len(np.unique(y_fit[g_fit == g])) < 2]
    if bad:
        shown = "; ".join(bad[:6]) + (" ..." if len(bad) > 6 else "")
        raise InputError(
            f"{len(bad)} group(s) are too small to get their own thresholds: {shown} (each needs people "
            "with both outcomes among the fit rows).",
            "Set thresholds by fewer features with --by COL (the audit still covers every sensitive "
            "feature), or mitigate a run with more rows in those groups.",
        )
