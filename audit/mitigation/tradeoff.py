"""Candidate operating points from unconstrained to fully constrained, each judged on the held-out rows.

Each point carries the constraint's fairness statistic (the largest gap between groups of at least the minimum size)
and accuracy, both with intervals, plus every group's selection rate; the Pareto front (no other point is both
fairer and more accurate) is flagged, and the run's own decisions are marked `original`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from audit.stats import intervals
from audit.stats.arrays import BoolArray, FloatArray, IntArray, Keys

# The rates each constraint equalises: equal opportunity = true positive rates, equalized odds = TPR and FPR.
RATES = {"demographic_parity": ("selection_rate",), "equal_opportunity": ("tpr",), "equalized_odds": ("tpr", "fpr")}
STATISTIC = {
    "demographic_parity": "selection-rate gap",
    "equal_opportunity": "TPR gap",
    "equalized_odds": "larger of the TPR and FPR gaps",
}
TOLERANCES = (1.0, 0.2, 0.1, 0.05, 0.02)  # 1.0 = unconstrained per-group optimum; the strict rule comes fitted
# fairlearn's cost grows with the distinct scores (a Python loop over each): above this many, the tolerance sweep is
# fitted on scores rounded to SWEEP_DECIMALS (at most 1,001 values). The proposed rule is always fitted on exact scores.
SWEEP_EXACT_MAX = 5000
SWEEP_DECIMALS = 3
METHOD = (
    "largest gap between groups of at least the minimum size (max - min of the rate); interval: MOVER "
    "difference of the two extreme groups' Agresti-Coull intervals, which does not allow for having picked "
    "the extremes; accuracy: Agresti-Coull interval. Tolerance-sweep points are fitted on scores rounded to "
    f"{SWEEP_DECIMALS} decimals when the fit rows hold more than {SWEEP_EXACT_MAX:,} distinct scores (such points "
    "say so); the proposed rule is always fitted on the exact scores"
)


def encode(group: Keys) -> tuple[Keys, IntArray]:
    """(sorted names, code of each row): np.unique's answer, via pandas' hashing (np.unique sorts Python strings)."""
    import pandas as pd

    codes, names = pd.factorize(pd.Series(group, dtype=object), sort=True)
    return np.asarray(names, dtype=object), codes


def _counts(y: IntArray, d: IntArray, codes: IntArray, k: int) -> list[dict[str, tuple[int, int]]]:
    """(successes, trials) of each rate in each of the `k` groups."""

    def per(w: BoolArray | FloatArray) -> IntArray:  # row weights: 0/1 flags, or ones
        return np.bincount(codes, weights=w, minlength=k).astype(np.int64)

    n, pos, sel = per(np.ones(len(y))), per(y == 1), per(d == 1)
    tp, fp = per((d == 1) & (y == 1)), per((d == 1) & (y == 0))
    return [
        {"selection_rate": (int(sel[j]), int(n[j])), "tpr": (int(tp[j]), int(pos[j])), "fpr": (int(fp[j]), int(n[j] - pos[j]))}
        for j in range(k)
    ]


def _z(ci: float) -> float:
    return intervals.z_two_sided(ci)


def _interval(x: int, n: int, ci: float) -> dict[str, float | None]:
    if n == 0:
        return {"value": None, "low": None, "high": None}
    lo, hi = intervals.rate(x, n, _z(ci))
    return {"value": x / n, "low": float(lo), "high": float(hi)}


def disparity(y: IntArray, d: IntArray, group: Keys, constraint: str, min_size: int, ci: float = 0.95) -> dict[str, Any]:
    """The constraint's statistic: the largest max - min gap of its rate(s) over groups with >= `min_size` rows
    (all groups when none is that large), with the interval of the difference between the two extreme groups."""
    names, codes = encode(group)
    per = _counts(np.asarray(y), np.asarray(d), codes, len(names))
    sizes = np.array([c["selection_rate"][1] for c in per])
    use = [k for k in range(len(names)) if sizes[k] >= min_size] or list(range(len(names)))
    best: dict[str, Any] = {
        "statistic": STATISTIC[constraint],
        "value": None,
        "low": None,
        "high": None,
        "highest": None,
        "lowest": None,
        "groups_compared": len(use),
    }
    for rate in RATES[constraint]:
        defined = [k for k in use if per[k][rate][1] > 0]
        if len(defined) < 2:
            continue
        r = {k: per[k][rate][0] / per[k][rate][1] for k in defined}
        hi, lo = max(defined, key=lambda k: r[k]), min(defined, key=lambda k: r[k])
        gap = r[hi] - r[lo]
        if best["value"] is None or gap > best["value"]:
            (x1, n1), (x2, n2) = per[hi][rate], per[lo][rate]
            _, low, high = intervals.difference(x1, n1, x2, n2, _z(ci))
            best |= {
                "value": float(gap),
                "low": float(np.maximum(low, 0.0)),
                "high": float(high),
                "rate": rate,
                "highest": str(names[hi]),
                "lowest": str(names[lo]),
            }
    return best


def operating_point(
    label: str, method: str, y: IntArray, d: IntArray, group: Keys, constraint: str, min_size: int, ci: float, **extra: Any
) -> dict[str, Any]:
    """One candidate judged on the rows given: accuracy, balanced accuracy, the fairness statistic, group selection rates."""
    d = np.asarray(d, dtype=np.int64)
    tpr = d[y == 1].mean() if (y == 1).any() else np.nan
    tnr = 1 - d[y == 0].mean() if (y == 0).any() else np.nan
    names, codes = encode(group)
    sel = np.bincount(codes, weights=d, minlength=len(names))
    size = np.bincount(codes, minlength=len(names))
    rates = {str(g): _interval(int(sel[k]), int(size[k]), ci) for k, g in enumerate(names)}
    return {
        "label": label,
        "method": method,
        **extra,
        "accuracy": _interval(int((d == y).sum()), len(y), ci),
        "balanced_accuracy": None if np.isnan(tpr) or np.isnan(tnr) else float((tpr + tnr) / 2),
        "disparity": disparity(y, d, group, constraint, min_size, ci),
        "selection_rate_by_group": rates,
        "original": False,
        "pareto": False,
    }


def mark_pareto(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flag the points no other point beats on both: lower disparity and higher accuracy (ties are not beaten)."""

    def key(p: dict[str, Any]) -> tuple[float, float] | None:
        v, a = p["disparity"]["value"], p["accuracy"]["value"]
        return None if v is None or a is None else (v, a)

    for p in points:
        kp = key(p)
        p["pareto"] = kp is not None and not any(
            (kq := key(q)) is not None and kq[0] <= kp[0] and kq[1] >= kp[1] and (kq[0] < kp[0] or kq[1] > kp[1]) for q in points
        )
    return points


def tradeoff(
    *,
    y_fit: IntArray,
    s_fit: FloatArray,
    g_fit: Keys,
    y: IntArray,
    s: FloatArray,
    g: Keys,
    original: IntArray,
    constraint: str,
    objective: str,
    seed: int,
    min_size: int,
    ci: float,
    fit_rule: Callable[..., Any],
    strict: IntArray,
    thresholds: FloatArray,
) -> list[dict[str, Any]]:
    """Every candidate on the held-out rows (y, s, g): the original decisions, ThresholdOptimizer at each tolerance
    (fitted on the fit rows; equalized odds has no relaxed form in fairlearn, so only `strict`, the decisions of the
    strict rule already fitted), and single thresholds."""
    pts = [operating_point("original decisions", "as audited", y, original, g, constraint, min_size, ci)]
    pts[0]["original"] = True
    tols = TOLERANCES if constraint != "equalized_odds" else ()
    rounded = len(np.unique(s_fit)) > SWEEP_EXACT_MAX
    s_sweep = np.round(s_fit, SWEEP_DECIMALS) if rounded else s_fit
    for tol in tols:
        rule = fit_rule(s_sweep, y_fit, g_fit, constraint, objective, tol=tol)
        pts.append(
            operating_point(
                f"group thresholds, tolerance {tol:g}",
                "ThresholdOptimizer",
                y,
                rule.decide(s, g, seed),
                g,
                constraint,
                min_size,
                ci,
                tolerance=tol,
                uses_sensitive_attribute=True,
                fitted_on_scores_rounded_to=SWEEP_DECIMALS if rounded else None,
            )
        )
    pts.append(
        operating_point(
            "group thresholds, strict (proposed)",
            "ThresholdOptimizer",
            y,
            strict,
            g,
            constraint,
            min_size,
            ci,
            tolerance=None,
            uses_sensitive_attribute=True,
            proposed=True,
        )
    )
    for t in thresholds:
        pts.append(
            operating_point(
                f"single threshold {t:.4g}",
                "single threshold",
                y,
                (s >= t).astype(np.int64),
                g,
                constraint,
                min_size,
                ci,
                threshold=float(t),
                uses_sensitive_attribute=False,
            )
        )
    return mark_pareto(pts)
