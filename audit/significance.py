"""Is a group's rate different from its comparator's? Two-proportion z test, Fisher's exact test for small counts, Holm."""
from __future__ import annotations

import numpy as np
from scipy import stats


def proportion_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """Two-sided p-value for equal proportions x1/n1 vs x2/n2, and the test used.

    Fisher's exact test when any expected cell count is below 5 (the usual validity rule for the z test)."""
    if n1 == 0 or n2 == 0:
        return float("nan"), "none"
    pooled = (x1 + x2) / (n1 + n2)
    expected = np.array([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    if (expected < 5).any():
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        return float(stats.fisher_exact(table).pvalue), "fisher_exact"
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0, "two_proportion_z"
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * stats.norm.sf(abs(z))), "two_proportion_z"


def proportion_tests(x1: np.ndarray, n1: np.ndarray, x2: int, n2: int) -> tuple[np.ndarray, list[str]]:
    """`proportion_test` of many groups against one comparator, with identical values: the z tests in one vectorised
    pass, Fisher's exact test (small expected counts) one by one."""
    x1, n1 = np.asarray(x1, dtype=np.int64), np.asarray(n1, dtype=np.int64)
    k = len(x1)
    p = np.full(k, np.nan)
    tests = ["none"] * k
    if n2 == 0:
        return p, tests
    ok = n1 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        expected = np.stack([n1 * pooled, n1 * (1 - pooled), np.full(k, n2) * pooled, np.full(k, n2) * (1 - pooled)])
        small = ok & (expected < 5).any(axis=0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    ztest = ok & ~small
    flat = ztest & (se == 0)
    live = ztest & ~flat
    p[flat] = 1.0
    if live.any():
        p[live] = 2 * stats.norm.sf(np.abs(z[live]))
    for i in np.flatnonzero(ztest):
        tests[i] = "two_proportion_z"
    for i in np.flatnonzero(small):
        p[i], tests[i] = proportion_test(int(x1[i]), int(n1[i]), x2, n2)
    return p, tests


def holm(pvalues: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (controls the family-wise error rate); NaN stays NaN and is not counted."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out.tolist()
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()
