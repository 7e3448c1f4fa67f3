"""Closed-form confidence intervals for rates and for the difference and ratio of two rates, vectorised over groups.

Every function takes arrays of counts (successes x of n trials; non-integer counts are allowed, which the sample-size
search uses) and the normal quantile `z` of the interval's tail, so one call serves any confidence level:
z = norm.ppf(1 - tail) gives a two-sided interval of level 1 - 2 * tail.

- rate: the Agresti-Coull interval (Agresti & Coull, The American Statistician 52(2), 1998): Wilson's centre
  (x + z^2/2) / (n + z^2) with a Wald half-width there, ends clipped to [0, 1]. Brown, Cai & DasGupta (Statistical
  Science 16(2), 2001) recommend it with Wilson's and Jeffreys'; chosen here by exact coverage on the grid of
  benchmarks/bench_coverage.py (n 15..1000, rates 0.02..0.98): 94.4-98.4% at nominal 95%, where Wilson's falls to
  91.5% (n 15, rate 0.3) and Jeffreys' to 92.4% (n 60, rate 0.05). It never collapses at 0 of n or n of n.
- difference p1 - p2: the MOVER construction (Zou & Donner, Computational Statistics & Data Analysis 2008) from the
  two rate intervals. With Wilson intervals this is Newcombe's hybrid score interval (method 10 of Newcombe,
  Statistics in Medicine 17, 1998); Attest combines the Agresti-Coull intervals the same way.
- ratio p1 / p2: MOVER-R from the same two rate intervals (Donner & Zou, Statistical Methods in Medical Research
  21(4), 2012), solved in a form that stays finite at zero counts: x1 = 0 gives a lower end of 0, x2 = 0 an upper
  end of +inf (a comparator that selected nobody bounds the ratio from below only). Where a rate is observed at
  its bound (x1 = n1, or x2 = n2) MOVER-R squares away most of that rate's one-sided uncertainty (c = 1 - (1 - l1)^2)
  and its exact coverage falls below 95% (94.8% for 60/60 against 30/60); there the interval is widened to the
  product-of-limits bound l1 / u2 (upper end u1 / l2), which is always at least as wide: exact coverage of every
  boundary cell of benchmarks/bench_coverage.py is then 95.5-98.2%.

`rate=` lets a test pass another rate interval (statsmodels' Wilson) through the same MOVER code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import stats

from audit.stats.arrays import FloatArray

# x successes of n trials at normal quantile z (numbers or arrays that broadcast) -> the interval's two ends
RateInterval = Callable[[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike], tuple[FloatArray, FloatArray]]


def z_for(tail: npt.ArrayLike) -> FloatArray:
    """Normal quantile with `tail` probability above it (tail 0.025 -> 1.96)."""
    return np.asarray(stats.norm.isf(tail), dtype=np.float64)


def z_two_sided(level: float) -> float:
    return float(stats.norm.isf((1.0 - level) / 2.0))


def _f(a: npt.ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=float)


def rate(x: npt.ArrayLike, n: npt.ArrayLike, z: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Agresti-Coull interval of x / n (statsmodels' method "agresti_coull"); NaN where n = 0."""
    x, n, z = _f(x), _f(n), _f(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = z * z
        n_t = n + z2
        p_t = (x + z2 / 2) / n_t
        half = z * np.sqrt(p_t * (1 - p_t) / n_t)
        lo = np.clip(p_t - half, 0.0, 1.0)
        hi = np.clip(p_t + half, 0.0, 1.0)
    lo = np.where(x <= 0, 0.0, lo)
    hi = np.where(x >= n, 1.0, hi)
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def difference(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike, z: npt.ArrayLike, rate: RateInterval = rate
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """p1 - p2 with the MOVER interval from the two rate intervals (Newcombe's method 10 when they are Wilson's)."""
    x1, n1, x2, n2 = _f(x1), _f(n1), _f(x2), _f(n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    l1, u1 = rate(x1, n1, z)
    l2, u2 = rate(x2, n2, z)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, np.maximum(lo, -1.0), np.minimum(hi, 1.0)


def ratio(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike, z: npt.ArrayLike, rate: RateInterval = rate
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """p1 / p2 with the MOVER-R interval; the point estimate is NaN where p2 = 0.

    The lower end is the root in [0, p1/p2] of  a*t^2 - 2*b*t + c = 0  with a = u2(2p2 - u2), b = p1*p2,
    c = l1(2p1 - l1): the MOVER lower limit of p1 - t*p2 set to zero. It is computed as c / (b + sqrt(b^2 - a*c)),
    which is the same root whatever the sign of a (a skewed comparator interval makes a negative and the textbook
    quotient divide by a negative number). The upper end is the root above p1/p2 of the mirror equation."""
    x1, n1, x2, n2 = _f(x1), _f(n1), _f(x2), _f(n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        l1, u1 = rate(x1, n1, z)
        l2, u2 = rate(x2, n2, z)
        b = p1 * p2
        a, c = u2 * (2 * p2 - u2), l1 * (2 * p1 - l1)
        lo = c / (b + np.sqrt(np.maximum(b * b - a * c, 0.0)))
        lo = np.where(c <= 0, 0.0, lo)
        a2, c2 = l2 * (2 * p2 - l2), u1 * (2 * p1 - u1)
        hi = (b + np.sqrt(np.maximum(b * b - a2 * c2, 0.0))) / a2
        hi = np.where(a2 <= 0, np.inf, hi)
        lo = np.where(x1 >= n1, np.minimum(lo, l1 / u2), lo)
        hi = np.where(x2 >= n2, np.maximum(hi, u1 / l2), hi)
        point = np.where(p2 > 0, p1 / p2, np.nan)
    bad = ~((n1 > 0) & (n2 > 0))
    return np.where(bad, np.nan, point), np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def compare(
    kind: str, x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike, z: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """`difference` or `ratio` by name (a policy check's `compare`)."""
    return (difference if kind == "difference" else ratio)(x1, n1, x2, n2, z)


METHODS = {
    "rate": "Agresti-Coull interval (Agresti & Coull 1998; Brown, Cai & DasGupta 2001)",
    "difference": "MOVER from the two Agresti-Coull intervals (Zou & Donner 2008; Newcombe 1998 method 10 with Wilson's)",
    "ratio": "MOVER-R from the two Agresti-Coull intervals (Donner & Zou 2012); valid at zero counts; widened to the "
    "product of the limits where a rate is observed at 100% of its group",
}
