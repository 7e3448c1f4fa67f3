"""Simulation for the few statistics without a closed-form interval (F1, max-min spreads, equalized-odds summaries).

Each group's four confusion counts are drawn from their Jeffreys posterior, Dirichlet(counts + 1/2): a Bayesian
bootstrap (Rubin 1981) of the counts with the Jeffreys prior. Unlike resampling the rows, a group whose rate is
exactly 0 or 1 still varies (a rate of 0 of 40 draws from Beta(1/2, 40.5)), so no interval collapses to a point.
Groups are drawn independently (they are disjoint within a level); the cost is O(draws x groups), whatever the
number of rows. Rates, differences and ratios do not use this: they have closed-form intervals (audit/stats/intervals.py).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse

from audit.stats.arrays import Counts, FloatArray

PRIOR = 0.5


def aggregate(counts: Counts, membership: sparse.csr_array | FloatArray) -> FloatArray:
    """Sum cell counts into groups: (..., C, 4) with (C, G) -> (..., G, 4). `membership` is dense or a scipy sparse
    matrix (`Level.membership`); with (C, 4) counts the sparse product never builds a C x G array."""
    if sparse.issparse(membership) and np.ndim(counts) == 2:
        return np.asarray(membership.T @ np.asarray(counts, dtype=float), dtype=np.float64)
    dense = membership if isinstance(membership, np.ndarray) else membership.toarray()
    return np.asarray(np.swapaxes(np.swapaxes(counts, -1, -2).astype(float) @ dense, -1, -2), dtype=np.float64)


def posterior_counts(counts: Counts, draws: int, rng: np.random.Generator) -> FloatArray:
    """(B, G, 4) simulated counts: each group's n rows spread by a Dirichlet(counts + 1/2) draw."""
    counts = np.asarray(counts, dtype=float)
    if draws == 0:
        return np.zeros((0, *counts.shape))
    g = rng.standard_gamma(counts + PRIOR, size=(draws, *counts.shape))
    drawn: FloatArray = g / g.sum(axis=-1, keepdims=True) * counts.sum(axis=-1, keepdims=True)
    return drawn


def percentile_intervals(samples: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """Percentile interval of every column of (B, K) samples, ignoring undefined (NaN) draws; all-NaN gives NaN."""
    samples = np.asarray(samples, dtype=float)
    k = samples.shape[1]
    if samples.shape[0] == 0 or k == 0:
        return np.full(k, np.nan), np.full(k, np.nan)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    clean = ~np.isnan(samples).any(axis=0)
    if clean.any():  # one vectorised quantile; nanquantile is far slower, so only columns with NaN draws take it
        lo[clean], hi[clean] = np.quantile(samples[:, clean], [alpha, 1.0 - alpha], axis=0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for j in np.flatnonzero(~clean):
            lo[j], hi[j] = np.nanquantile(samples[:, j], [alpha, 1.0 - alpha])
    return lo, hi
