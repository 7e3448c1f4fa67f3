"""Metrics that need the scores, not just the counts: AUC (DeLong interval), Brier score, calibration error."""

from __future__ import annotations

import numpy as np
from scipy import stats

from audit.stats.arrays import BoolArray, Counts, FloatArray, IntArray, Labels
from audit.stats.intervals import rate

N_BINS = 10


def midranks_sorted(v: FloatArray) -> FloatArray:
    """1-based ranks with ties averaged, for an already sorted array: one linear pass instead of a sort."""
    n = len(v)
    if n == 0:
        return np.zeros(0)
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    ends = np.r_[starts[1:], n]
    return np.repeat((starts + ends + 1) / 2.0, ends - starts)


def auc_delong(y: Labels, s: FloatArray, level: float, presorted: bool = False) -> tuple[float, float, float]:
    """AUC with DeLong's variance (fast midrank form, Sun & Xu 2014). NaN when a class is absent.

    `presorted`: s is ascending, so ranks come from linear passes (the engine sorts the scores once per audit)."""
    if not presorted:
        order = np.argsort(s, kind="stable")
        y, s = y[order], s[order]
    is_pos = y == 1
    m = int(is_pos.sum())
    n = len(y) - m
    if m == 0 or n == 0:
        return np.nan, np.nan, np.nan
    tz = midranks_sorted(s)
    tz_pos, tz_neg = tz[is_pos], tz[~is_pos]
    tx, ty = midranks_sorted(s[is_pos]), midranks_sorted(s[~is_pos])
    auc = (tz_pos.sum() - m * (m + 1) / 2) / (m * n)
    v01 = (tz_pos - tx) / n
    v10 = 1.0 - (tz_neg - ty) / m
    var = (np.var(v01, ddof=1) / m if m > 1 else 0.0) + (np.var(v10, ddof=1) / n if n > 1 else 0.0)
    z = stats.norm.ppf(0.5 + level / 2)
    if var <= 0:
        # Perfect (or constant) ranking: DeLong's variance is 0 and the interval would be a point. Var(AUC) is at
        # most AUC(1 - AUC) / min(m, n) (Birnbaum & Klose 1957), so the rate interval of AUC * k of k = min(m, n)
        # is a conservative stand-in that reflects how few rows stand behind a perfect score.
        k = min(m, n)
        lo, hi = rate(auc * k, k, z)
        return float(auc), float(lo), float(hi)
    half = z * np.sqrt(var)
    return float(auc), float(max(0.0, auc - half)), float(min(1.0, auc + half))


def brier(y: Labels, s: FloatArray, level: float) -> tuple[float, float, float]:
    """Mean squared error of the scores, with a normal (CLT) interval.

    Where every squared error is the same (all scores exactly right, say) the CLT interval has width 0; each squared
    error lies in [0, 1], so its variance is at most mean * (1 - mean), and the rate interval of sum / n is used then
    (0 errors in 40 rows: [0, 0.088] rather than [0, 0])."""
    if len(y) == 0:
        return np.nan, np.nan, np.nan
    e = (s - y) ** 2
    mean = float(e.mean())
    if len(e) < 2:
        return mean, np.nan, np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    sd = e.std(ddof=1)
    if not sd > 0:
        lo, hi = rate(e.sum(), len(e), z)
        return mean, float(lo), float(hi)
    half = z * sd / np.sqrt(len(e))
    return mean, float(max(0.0, mean - half)), float(min(1.0, mean + half))


def calibration_bins(y: Labels, s: FloatArray) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:
    """Per equal-width bin: count, positives, sum of scores, bin index present."""
    b = np.clip((s * N_BINS).astype(int), 0, N_BINS - 1)
    n = np.bincount(b, minlength=N_BINS).astype(np.int64)
    pos = np.bincount(b, weights=y, minlength=N_BINS).astype(np.float64)  # (weighted: float64 already, as typed)
    ssum = np.bincount(b, weights=s, minlength=N_BINS).astype(np.float64)
    return n, pos, ssum, n > 0


def expected_calibration_error(
    y: Labels, s: FloatArray, level: float, rng: np.random.Generator, resamples: int
) -> tuple[float, float, float]:
    """ECE over 10 equal-width bins. Interval: the (bin, label) counts of the occupied bins drawn from their Jeffreys
    posterior, Dirichlet(counts + 1/2), bin mean score held fixed: a bin whose rows are all one label still varies."""
    if len(y) == 0:
        return np.nan, np.nan, np.nan
    n, pos, ssum, _ = calibration_bins(y, s)
    total = n.sum()
    mean_s = np.divide(ssum, n, out=np.zeros(N_BINS), where=n > 0)
    ece = float(np.sum(np.abs(pos - ssum)) / total)
    occupied = np.concatenate([n > 0, n > 0])
    cells = np.concatenate([pos, n - pos])
    g = rng.standard_gamma(np.where(occupied, cells + 0.5, 1.0), size=(resamples, 2 * N_BINS)) * occupied
    draws = g / g.sum(axis=1, keepdims=True) * total
    bpos, bneg = draws[:, :N_BINS], draws[:, N_BINS:]
    bn = bpos + bneg
    boot = np.abs(bpos - bn * mean_s).sum(axis=1) / total
    alpha = (1 - level) / 2
    return ece, float(np.quantile(boot, alpha)), float(np.quantile(boot, 1 - alpha))


# From counts at each distinct score (audit/engines/base.py ScoreTable): the same figures as above, without rows.
# `s` ascending (equal scores may sit in adjacent entries: they are merged first), `pos` / `neg` the rows with a
# positive / negative outcome at each score. Ranks of tied rows are their midranks, as above, so AUC is the same
# number; variances and means differ from the row forms only by the order of floating-point sums (~1e-16).


def merge_ties(s: FloatArray, pos: Counts, neg: Counts) -> tuple[FloatArray, Counts, Counts]:
    """One entry per distinct score (the entries of several cells at one score summed)."""
    if len(s) == 0:
        return s, pos, neg
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    if len(starts) == len(s):
        return s, pos, neg
    return s[starts], np.add.reduceat(pos, starts), np.add.reduceat(neg, starts)


def _wsum(w: Counts, v: FloatArray) -> float:
    """Sum of w * v. Not np.dot: BLAS dots here took 10-16 ms for 11,000 numbers on a loaded machine (threads waiting),
    where this takes 0.02 ms; the pairwise sum is as accurate."""
    return float((w * v).sum())


def _weighted_var(v: FloatArray, w: Counts, total: float) -> float:
    """Sample variance (ddof 1) of values v repeated w times (w float): two passes, as np.var, so no cancellation."""
    mean = _wsum(w, v) / total
    d = v - mean  # (the callers pass only values with a weight)
    var = _wsum(w, d * d) / (total - 1)
    if var <= 1e-30:  # only rounding can be left: exactly 0 where every value is equal, as the rule below intends
        used = v[w > 0]
        if used.size == 0 or used.min() == used.max():
            return 0.0
    return var


def auc_delong_counts(s: FloatArray, pos: Counts, neg: Counts, level: float) -> tuple[float, float, float]:
    """`auc_delong` from counts at each distinct score."""
    s, merged_pos, merged_neg = merge_ties(s, np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64))
    pos, neg = np.asarray(merged_pos, dtype=np.float64), np.asarray(merged_neg, dtype=np.float64)  # (no copy)
    cpos, cneg = np.cumsum(pos), np.cumsum(neg)  # whole numbers far below 2**53: exact
    m, n = int(cpos[-1]) if len(s) else 0, int(cneg[-1]) if len(s) else 0
    if m == 0 or n == 0:
        return np.nan, np.nan, np.nan
    has_pos, has_neg = pos > 0, neg > 0
    wp, wn = pos[has_pos], neg[has_neg]
    # A positive's midrank among all rows minus its midrank among the positives: the negatives below it plus half the
    # tied ones (whole and half numbers, so exact); summed over the positives, m * n * AUC (Mann-Whitney).
    below_p = (cneg - neg)[has_pos] + neg[has_pos] / 2.0
    below_n = (cpos - pos)[has_neg] + pos[has_neg] / 2.0
    auc = _wsum(wp, below_p) / (m * n)
    v01 = below_p / n
    v10 = 1.0 - below_n / m
    var = (_weighted_var(v01, wp, m) / m if m > 1 else 0.0) + (_weighted_var(v10, wn, n) / n if n > 1 else 0.0)
    z = stats.norm.ppf(0.5 + level / 2)
    if var <= 0:  # as in auc_delong
        k = min(m, n)
        lo, hi = rate(auc * k, k, z)
        return float(auc), float(lo), float(hi)
    half = z * np.sqrt(var)
    return float(auc), float(max(0.0, auc - half)), float(min(1.0, auc + half))


def brier_counts(s: FloatArray, pos: Counts, neg: Counts, level: float) -> tuple[float, float, float]:
    """`brier` from counts at each distinct score: the squared errors are (s - 1)^2 for positives, s^2 for negatives."""
    pos, neg = np.asarray(pos, dtype=float), np.asarray(neg, dtype=float)
    total = int(pos.sum() + neg.sum())
    if total == 0:
        return np.nan, np.nan, np.nan
    e1, e0 = (s - 1.0) ** 2, s * s
    esum = _wsum(pos, e1) + _wsum(neg, e0)
    mean = esum / total
    if total < 2:
        return mean, np.nan, np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    d1, d0 = e1 - mean, e0 - mean
    var = (_wsum(pos, d1 * d1) + _wsum(neg, d0 * d0)) / (total - 1)
    if var <= 1e-30:  # as in _weighted_var: exactly 0 where every squared error is equal
        used = np.concatenate([e1[pos > 0], e0[neg > 0]])
        var = 0.0 if used.min() == used.max() else var
    sd = np.sqrt(var)
    if not sd > 0:
        lo, hi = rate(esum, total, z)
        return mean, float(lo), float(hi)
    half = z * sd / np.sqrt(total)
    return mean, float(max(0.0, mean - half)), float(min(1.0, mean + half))


def calibration_bins_counts(s: FloatArray, pos: Counts, neg: Counts) -> tuple[IntArray, FloatArray, FloatArray, BoolArray]:
    """`calibration_bins` from counts at each distinct score."""
    b = np.clip((s * N_BINS).astype(int), 0, N_BINS - 1)
    rows = pos + neg
    n = np.bincount(b, weights=rows, minlength=N_BINS).astype(np.int64)
    p = np.bincount(b, weights=pos, minlength=N_BINS).astype(np.float64)  # (weighted: float64 already, as typed)
    ssum = np.bincount(b, weights=s * rows, minlength=N_BINS).astype(np.float64)
    return n, p, ssum, n > 0


def expected_calibration_error_counts(
    s: FloatArray, pos: Counts, neg: Counts, level: float, rng: np.random.Generator, resamples: int
) -> tuple[float, float, float]:
    """`expected_calibration_error` from counts at each distinct score (the same draws from `rng`)."""
    if int(pos.sum() + neg.sum()) == 0:
        return np.nan, np.nan, np.nan
    return ece_from_bins(*calibration_bins_counts(s, pos, neg)[:3], level, rng, resamples)


def ece_from_bins(
    n: Counts, pos: Counts, ssum: FloatArray, level: float, rng: np.random.Generator, resamples: int
) -> tuple[float, float, float]:
    """The calibration error and its interval from the bins' rows, positives and score sums (as above)."""
    total = n.sum()
    mean_s = np.divide(ssum, n, out=np.zeros(N_BINS), where=n > 0)
    ece = float(np.sum(np.abs(pos - ssum)) / total)
    occupied = np.concatenate([n > 0, n > 0])
    cells = np.concatenate([pos, n - pos])
    g = rng.standard_gamma(np.where(occupied, cells + 0.5, 1.0), size=(resamples, 2 * N_BINS)) * occupied
    draws = g / g.sum(axis=1, keepdims=True) * total
    bpos, bneg = draws[:, :N_BINS], draws[:, N_BINS:]
    bn = bpos + bneg
    boot = np.abs(bpos - bn * mean_s).sum(axis=1) / total
    alpha = (1 - level) / 2
    return ece, float(np.quantile(boot, alpha)), float(np.quantile(boot, 1 - alpha))
