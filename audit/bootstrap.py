"""Bootstrap over confusion counts instead of rows.

Resampling the rows of one cell with replacement is exactly a multinomial draw of that cell's n rows over its four
confusion cells, so B resamples cost O(B x cells), whatever the number of rows. Resampling is stratified by cell (every
finest intersection keeps its size), which also keeps each group's and each intersection's size fixed.
"""
from __future__ import annotations

import numpy as np


def resample_counts(cell_counts: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(B, C, 4) resampled counts from (C, 4) observed counts."""
    n = cell_counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n[:, None] > 0, cell_counts / np.maximum(n, 1)[:, None], 0.25)
    return rng.multinomial(n, p, size=(n_resamples, len(n)))


def aggregate(counts: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Sum cell counts into groups: (..., C, 4) with (C, G) -> (..., G, 4)."""
    return np.swapaxes(np.swapaxes(counts, -1, -2).astype(float) @ membership, -1, -2)


def percentile_interval(samples: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval ignoring undefined (NaN) resamples; all-NaN gives NaN."""
    alpha = (1.0 - level) / 2.0
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanquantile(samples, alpha, axis=axis)
            hi = np.nanquantile(samples, 1.0 - alpha, axis=axis)
    return lo, hi


def percentile_intervals(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """`percentile_interval` of every column of (B, K) samples, with identical values: columns without undefined
    resamples go through one vectorised quantile, the others one by one."""
    samples = np.asarray(samples, dtype=float)
    k = samples.shape[1]
    lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    if samples.shape[0] == 0 or k == 0:
        return lo, hi
    alpha = (1.0 - level) / 2.0
    clean = ~np.isnan(samples).any(axis=0)
    if clean.any():
        q = np.quantile(samples[:, clean], [alpha, 1.0 - alpha], axis=0)
        lo[clean], hi[clean] = q[0], q[1]
    for j in np.flatnonzero(~clean):
        lo[j], hi[j] = percentile_interval(samples[:, j], level)
    return lo, hi
