"""The drift statistics, each a pure function of two samples (missing values already removed).

- Wasserstein-1 distance between the two empirical distributions: the integral of |F_ref - F_cur| over the merged
  sample (what scipy.stats.wasserstein_distance computes), here also divided by the reference's standard deviation.
- Kolmogorov-Smirnov two-sample test: scipy.stats.ks_2samp (exact p-value for small samples, asymptotic otherwise).
- PSI (population stability index) on bins fixed from the reference's (empirical) quantiles:
  sum over bins of (c - r) * ln(c / r), with r, c the bins' shares; an empty bin's share is taken as 0.0001 (the
  usual convention, e.g. Evidently), so a bin only one sample fills gives a large but finite term.
- Jensen-Shannon distance (base 2, so in [0, 1]): the square root of the JS divergence of the category shares.
- chi-squared test of homogeneity of the 2 x K table of category counts (scipy.stats.chi2_contingency, no continuity
  correction).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

PSI_FLOOR = 1e-4


def wasserstein(u: np.ndarray, v: np.ndarray) -> float:
    """W1 between the empirical distributions of u and v: sum of |F_u - F_v| over the gaps of the merged sample."""
    u, v = np.sort(np.asarray(u, dtype=float)), np.sort(np.asarray(v, dtype=float))
    merged = np.sort(np.concatenate([u, v]))
    gaps = np.diff(merged)
    fu = np.searchsorted(u, merged[:-1], side="right") / u.size
    fv = np.searchsorted(v, merged[:-1], side="right") / v.size
    return float(np.sum(np.abs(fu - fv) * gaps))


def ks(u: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """(statistic, p-value) of the two-sample Kolmogorov-Smirnov test."""
    r = stats.ks_2samp(u, v)
    return float(r.statistic), float(r.pvalue)


def quantile_cuts(reference: np.ndarray, bins: int) -> np.ndarray:
    """Interior cut points at the reference's 1/bins, ..., (bins-1)/bins quantiles, ties merged; bins are
    (-inf, c1], (c1, c2], ..., (ck, inf), so a value equal to a cut falls in the bin below it.

    The quantiles are the empirical ones (inverse of the empirical CDF, so every cut is a reference value): on
    discrete data, e.g. a count of dependents, cuts fall on the values themselves and never between them."""
    qs = np.linspace(0, 1, bins + 1)[1:-1]
    return np.unique(np.quantile(np.asarray(reference, dtype=float), qs, method="inverted_cdf"))


def bin_shares(x: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(cuts, np.asarray(x, dtype=float), side="left")
    counts = np.bincount(idx, minlength=cuts.size + 1)
    shares: np.ndarray = counts / max(counts.sum(), 1)
    return shares


def psi(reference_shares: np.ndarray, current_shares: np.ndarray, floor: float = PSI_FLOOR) -> float:
    r = np.maximum(np.asarray(reference_shares, dtype=float), floor)
    c = np.maximum(np.asarray(current_shares, dtype=float), floor)
    return float(np.sum((c - r) * np.log(c / r)))


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance, base 2, of two share vectors over the same categories (0 log 0 = 0)."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    return float(np.sqrt(max(0.5 * kl(p) + 0.5 * kl(q), 0.0)))


def chi2_p(reference_counts: np.ndarray, current_counts: np.ndarray) -> float | None:
    """p-value of the chi-squared test that both samples share one category distribution; None with one category."""
    table = np.vstack([reference_counts, current_counts]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return None
    return float(stats.chi2_contingency(table, correction=False).pvalue)
