"""One column's distribution on one side of a drift comparison, as sufficient statistics: what every drift statistic
(audit/lifecycle/drift_stats.py) needs, computed from rows in memory or by a GROUP BY out of core
(audit/lifecycle/ooc_scan.py). Both paths compute the figures from a `Dist`, so they cannot diverge.

A numeric `Dist` holds, per entry, the rows and their smallest and largest value, and for all its values their sum
and sum of squared deviations from their mean (the mean and standard deviation, pooled exactly over cells).
An entry is either one distinct value (exact: every statistic equals the one computed from the rows) or one bin of
a fine histogram whose edges are the reference's quantiles (binned: PSI on cuts that are fine edges and every count
stay exact; Wasserstein and the KS statistic lie within a bound that `numeric_stats` states, since inside a bin the
two CDFs are only known at its ends). A categorical `Dist` holds the rows per value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

Kind = Literal["numeric", "categorical"]
F = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
KS_EXACT_N = 10_000  # scipy.stats.ks_2samp's own limit for its exact p-value (method "auto")


@dataclass(frozen=True)
class Dist:
    kind: Kind
    keys: npt.NDArray[Any]  # numeric: distinct values, or bin numbers when binned (ascending); categorical: str values
    counts: I64
    missing: int  # rows without a value (NaN, null, +-inf for numbers)
    lo: F | None = None  # numeric: per entry the smallest and largest value (binned: the bin's ends)
    hi: F | None = None
    total: float = 0.0  # numeric: sum of the values and of their squared deviations from their mean
    m2: float = 0.0
    binned: bool = False

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def rows(self) -> int:
        return self.n + self.missing


def from_series(s: pd.Series, kind: Kind) -> Dist:
    """The exact distribution of in-memory values (one entry per distinct value)."""
    present = s.dropna()
    if kind == "categorical":
        keys, counts = np.unique(present.astype(str).to_numpy(dtype=object), return_counts=True)
        return Dist("categorical", keys, counts.astype(np.int64), len(s) - len(present))
    x = present.to_numpy(dtype=float)
    x = x[np.isfinite(x)]  # +-inf cannot be placed in a distance: counted as missing
    keys, counts = np.unique(x, return_counts=True)
    total = float(x.sum())
    m2 = float(np.sum((x - x.mean()) ** 2)) if x.size else 0.0  # as np.std computes it
    return Dist("numeric", keys, counts.astype(np.int64), len(s) - x.size, keys, keys, total, m2)


def empty(kind: Kind, missing: int = 0, binned: bool = False) -> Dist:
    z = np.zeros(0)
    if kind == "categorical":
        return Dist(kind, np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64), missing)
    return Dist(kind, z, np.zeros(0, dtype=np.int64), missing, z, z, 0.0, 0.0, binned)


def combine(parts: list[Dist], kind: Kind, binned: bool = False) -> Dist:
    """The distribution of the union of disjoint row sets (cells of a group, days of a window)."""
    parts = [p for p in parts if p.counts.size or p.missing]
    if not parts:
        return empty(kind, 0, binned)
    missing = sum(p.missing for p in parts)
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p.keys for p in parts])
    counts = np.concatenate([p.counts for p in parts])
    u, inv = np.unique(keys, return_inverse=True)
    n = np.bincount(inv, weights=counts, minlength=u.size).astype(np.int64)
    if kind == "categorical":
        return Dist(kind, u, n, missing)
    lo, hi = np.full(u.size, np.inf), np.full(u.size, -np.inf)
    np.minimum.at(lo, inv, np.concatenate([p.lo for p in parts if p.lo is not None]))
    np.maximum.at(hi, inv, np.concatenate([p.hi for p in parts if p.hi is not None]))
    # Chan et al.'s pooling: the parts' own squared deviations plus each part's mean from the pooled mean
    sizes = np.array([p.n for p in parts], dtype=float)
    totals = np.array([p.total for p in parts])
    total = float(totals.sum())
    mean = total / max(sizes.sum(), 1)
    m2 = float(sum(p.m2 for p in parts) + np.sum(sizes * (totals / np.maximum(sizes, 1) - mean) ** 2))
    return Dist(kind, u, n, missing, lo, hi, total, m2, binned or any(p.binned for p in parts))


def mean_sd(d: Dist) -> tuple[float, float]:
    """Mean and standard deviation (ddof 1) of a numeric distribution."""
    n = d.n
    return d.total / n, (float(np.sqrt(d.m2 / (n - 1))) if n > 1 else 0.0)


def inverted_cdf_ranks(n: int, qs: F) -> npt.NDArray[np.intp]:
    """The 0-based ranks numpy's quantile(method="inverted_cdf") picks in a sorted sample of n: the smallest value
    whose empirical CDF reaches q (numpy's own arithmetic, checked against it in the tests)."""
    index = n * qs - 1
    below = np.floor(index)
    ranks = np.where(index - below > 0, below + 1, below).astype(np.intp)
    return np.clip(ranks, 0, n - 1)


def quantile_cuts(d: Dist, bins: int) -> F:
    """drift_stats.quantile_cuts of the rows: each cut is the value at the rank numpy picks. Binned, the cut is
    the largest reference value in the bin holding that rank, exact when the rank's value is a fine edge (the
    whole reference's PSI cuts are) and otherwise above it by at most the bin's width."""
    assert d.hi is not None
    qs = np.linspace(0, 1, bins + 1)[1:-1]
    entry = np.searchsorted(np.cumsum(d.counts), inverted_cdf_ranks(d.n, qs), side="right")
    return np.unique(d.hi[entry])


def bin_shares(d: Dist, cuts: F) -> F:
    """Share of the values in each of the bins the cuts make ((-inf, c1], (c1, c2], ...); an entry is placed by its
    largest value (a fine bin ends at an edge, so it is never split by a cut that is an edge)."""
    assert d.hi is not None
    idx = np.searchsorted(cuts, d.hi, side="left")
    counts = np.bincount(idx, weights=d.counts, minlength=cuts.size + 1)
    shares: F = counts / max(counts.sum(), 1)
    return shares


@dataclass(frozen=True)
class Numeric:
    wasserstein: float
    wasserstein_bound: float  # |true - reported| <= this (0 when exact)
    ks_statistic: float
    ks_bound: float  # the true statistic lies in [reported, reported + this]
    ks_p: float


def _aligned(r: Dist, c: Dist) -> tuple[F, F, F, F]:
    """Per entry of the union: reference and current CDF at its end, and its smallest and largest value."""
    assert r.lo is not None and c.lo is not None and r.hi is not None and c.hi is not None
    keys = np.union1d(r.keys, c.keys)
    ir, ic = np.searchsorted(keys, r.keys), np.searchsorted(keys, c.keys)
    cr, cc = np.zeros(keys.size), np.zeros(keys.size)
    cr[ir], cc[ic] = r.counts, c.counts
    lo, hi = np.full(keys.size, np.inf), np.full(keys.size, -np.inf)
    lo[ir], hi[ir] = r.lo, r.hi
    lo[ic], hi[ic] = np.minimum(lo[ic], c.lo), np.maximum(hi[ic], c.hi)
    return np.cumsum(cr) / cr.sum(), np.cumsum(cc) / cc.sum(), lo, hi


def numeric_stats(r: Dist, c: Dist) -> Numeric:
    """Wasserstein-1 and the two-sample KS test from two numeric distributions (both non-empty)."""
    fr, fc = _aligned(r, c)[:2]
    _, _, lo, hi = _aligned(r, c)
    diff = np.abs(fr - fc)
    # between entries both CDFs are flat: exact; inside an entry (its values' span) each CDF lies between its values
    # at the entry's two ends, so |F_r - F_c| lies in [low, high]
    w = float(np.sum((lo[1:] - hi[:-1]) * diff[:-1]))
    d = float(diff.max())
    bound = ks_bound = 0.0
    span = hi - lo
    if np.any(span > 0):
        a0, b0 = np.r_[0.0, fr[:-1]], np.r_[0.0, fc[:-1]]
        high = np.maximum(fr - b0, fc - a0)
        low = np.maximum.reduce([np.zeros(fr.size), a0 - fc, b0 - fr])
        w += float(np.sum(span * (high + low) / 2))
        bound = float(np.sum(span * (high - low) / 2))
        ks_bound = max(0.0, float(np.max(np.where(span > 0, high, 0.0))) - d)
    nr, nc = r.n, c.n
    if not (r.binned or c.binned) and max(nr, nc) <= KS_EXACT_N:
        # small samples: scipy's exact p-value on the very rows (rebuilt from the counts)
        res = stats.ks_2samp(np.repeat(r.keys, r.counts), np.repeat(c.keys, c.counts))
        return Numeric(w, bound, float(res.statistic), ks_bound, float(res.pvalue))
    m, k = sorted([float(nr), float(nc)], reverse=True)
    p = float(np.clip(stats.kstwo.sf(d, np.round(m * k / (m + k))), 0, 1))  # ks_2samp's asymptotic p-value
    return Numeric(w, bound, d, ks_bound, p)


def categories(r: Dist, c: Dist) -> tuple[list[str], I64, I64]:
    """The categories of both sides, the reference's first (most rows first, then by value), with their counts."""

    def order(d: Dist, keep: npt.NDArray[np.bool_]) -> list[str]:
        idx = np.flatnonzero(keep)
        return [str(d.keys[i]) for i in sorted(idx, key=lambda i: (-int(d.counts[i]), str(d.keys[i])))]

    ref = order(r, r.counts > 0)
    known = set(ref)
    cats = ref + order(c, np.array([str(k) not in known for k in c.keys], dtype=bool) & (c.counts > 0))
    pos = {v: i for i, v in enumerate(cats)}
    ref_n, cur_n = np.zeros(len(cats), dtype=np.int64), np.zeros(len(cats), dtype=np.int64)
    for d, out in ((r, ref_n), (c, cur_n)):
        for k, n in zip(d.keys, d.counts, strict=True):
            if n > 0:
                out[pos[str(k)]] += n
    return cats, ref_n, cur_n
