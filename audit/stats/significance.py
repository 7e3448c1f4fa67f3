"""Tests, vectorised over comparisons: is a rate different from its comparator's (descriptive), does the evidence put a
difference or ratio beyond a declared threshold (the verdicts), Holm's step-down, and the sample size that would decide.

The threshold test is the interval read the other way: the one-sided p-value of "the statistic is below t" is the
tail probability at which the upper end of the interval in audit/stats/intervals.py reaches t. A verdict's interval and
its p-value therefore never disagree: the interval with tail a lies wholly below t exactly when p < a.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

from audit.stats.arrays import BoolArray, FloatArray
from audit.stats.intervals import compare

_Z_MAX = 37.5  # norm.sf(37.5) ~ 5e-308: p-values below this are reported as this
_STEPS = 50  # z to 3e-14


def equal_rates_test(x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike) -> tuple[FloatArray, list[str]]:
    """Two-sided p-value for equal proportions x1/n1 vs x2/n2, and the test used, for every pair at once.

    The pooled two-proportion z test (the score test at difference 0: statsmodels' test_proportions_2indep with
    method="score", correction=False); Fisher's exact test where any expected cell count is below 5, the usual
    validity rule for the z test. Descriptive only: verdicts test the policy's thresholds (`threshold_pvalues`)."""
    x1, n1 = np.asarray(x1, dtype=np.int64), np.asarray(n1, dtype=np.int64)
    x2, n2 = np.broadcast_to(np.asarray(x2, dtype=np.int64), x1.shape), np.broadcast_to(np.asarray(n2, dtype=np.int64), x1.shape)
    p = np.full(x1.shape, np.nan)
    tests = np.full(x1.shape, "none", dtype=object)
    ok = (n1 > 0) & (n2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        expected = np.stack([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
        small = ok & (expected < 5).any(axis=0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    ztest = ok & ~small
    flat = ztest & (se == 0)
    live = ztest & ~flat
    p[flat] = 1.0
    p[live] = 2 * stats.norm.sf(np.abs(z[live]))
    tests[ztest] = "two_proportion_z"
    for i in zip(*np.nonzero(small), strict=True):  # one index array per axis, all of one length
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        p[i], tests[i] = stats.fisher_exact(table).pvalue, "fisher_exact"
    return p, tests.tolist()


def holm(pvalues: npt.ArrayLike) -> FloatArray:
    """Holm-Bonferroni adjusted p-values (family-wise error control; statsmodels' multipletests method="holm").
    NaN stays NaN and is not counted in the family."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    stepped = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(stepped))  # step-down: never below an earlier step
    return out


def threshold_pvalues(
    kind: str,
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    threshold: npt.ArrayLike,
    below: npt.ArrayLike,
) -> FloatArray:
    """One-sided p-values for "the difference / ratio of x1/n1 to x2/n2 is below (`below` True) or above `threshold`";
    threshold and below may be arrays, one per comparison.

    H0 is the rule's side (e.g. ratio >= 0.8 for `below`); small p is evidence that the rule is violated. 1 where
    the point estimate is on the rule's side; NaN where a rate has no rows."""
    x1, n1, x2, n2 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x1, n1, x2, n2)))
    t, below = (
        np.broadcast_to(np.asarray(threshold, dtype=float), x1.shape),
        np.broadcast_to(np.asarray(below, dtype=bool), x1.shape),
    )

    def beyond(
        z: FloatArray, a1: FloatArray, m1: FloatArray, a2: FloatArray, m2: FloatArray, t: FloatArray, below: BoolArray
    ) -> BoolArray:  # the whole interval at z is on the violating side
        _, lo, hi = compare(kind, a1, m1, a2, m2, z)
        return np.where(below, hi < t, lo > t)

    valid = (n1 > 0) & (n2 > 0)
    p = np.where(valid, 1.0, np.nan)
    live = valid & beyond(np.zeros(x1.shape), x1, n1, x2, n2, t, below)
    if live.any():  # bisection on z only where the point estimate violates the rule (few, on most data)
        a1, m1, a2, m2, t_live, below_live = x1[live], n1[live], x2[live], n2[live], t[live], below[live]
        lo, hi = np.zeros(int(live.sum())), np.full(int(live.sum()), _Z_MAX)
        for _ in range(_STEPS):
            mid = (lo + hi) / 2
            b = beyond(mid, a1, m1, a2, m2, t_live, below_live)
            lo, hi = np.where(b, mid, lo), np.where(b, hi, mid)
        p[live] = stats.norm.sf(lo)
    return p


def decided(
    kind: str,
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    z: npt.ArrayLike,
    low: npt.ArrayLike | None,
    high: npt.ArrayLike | None,
) -> tuple[BoolArray, BoolArray]:
    """(inside, outside): the interval at z lies wholly within [low, high] / wholly beyond one of its bounds.
    low / high: numbers or arrays, None or NaN where the rule has no such bound."""
    _, lo, hi = compare(kind, x1, n1, x2, n2, z)
    lows = np.asarray(np.nan if low is None else low, dtype=float)
    highs = np.asarray(np.nan if high is None else high, dtype=float)
    has_low, has_high = ~np.isnan(lows), ~np.isnan(highs)
    with np.errstate(invalid="ignore"):
        inside = (~has_low | (lo >= lows)) & (~has_high | (hi <= highs))
        outside = (has_low & (hi < lows)) | (has_high & (lo > highs))
    return inside, outside


def needed_scale(
    kind: str,
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x2: npt.ArrayLike,
    n2: npt.ArrayLike,
    z: npt.ArrayLike,
    low: npt.ArrayLike | None,
    high: npt.ArrayLike | None,
    both: bool,
    limit: float = 1e6,
) -> FloatArray:
    """The smallest factor k >= 1 by which the group's rows (and the comparator's, with `both`) would have to grow,
    at the observed rates, for the interval at z to decide the rule; inf if not even `limit` would."""
    x1, n1, x2, n2 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x1, n1, x2, n2)))

    def ok(k: FloatArray) -> BoolArray:
        c: FloatArray | float = k if both else 1.0
        inside, outside = decided(kind, x1 * k, n1 * k, x2 * c, n2 * c, z, low, high)
        return inside | outside

    reachable = ok(np.full(x1.shape, limit))
    lo, hi = np.zeros(x1.shape), np.full(x1.shape, np.log(limit))  # log k
    for _ in range(30):  # k to 1e-8 relative
        mid = (lo + hi) / 2
        good = ok(np.exp(mid))
        lo, hi = np.where(good, lo, mid), np.where(good, mid, hi)
    return np.where(reachable, np.exp(hi), np.inf)
