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
